"""learn: lessons.synonyms, the everyday wordings a lesson is found by (from its front matter)

Revision ID: i18b_01
Revises: i16b_02_outbox
Create Date: 2026-12-03 16:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i18b_01'
down_revision = 'i15b_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('synonyms', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('synonyms')
