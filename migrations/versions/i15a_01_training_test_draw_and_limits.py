"""training: final tests draw from named banks and competences, with an attempt limit and a wait
between attempts per assignment; an attempt keeps its draw (shown order and option tokens)

Revision ID: i15a_01
Revises: i16b_02_outbox
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i15a_01'
down_revision = 'i16b_02_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('test_banks', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('test_competences', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('test_attempts', sa.SmallInteger(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('test_wait_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('test_attempts_range', 'test_attempts BETWEEN 1 AND 20')
        batch_op.create_check_constraint('test_wait_minutes_range', 'test_wait_minutes BETWEEN 0 AND 10080')
    with op.batch_alter_table('training_test_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draw', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('training_test_attempts', schema=None) as batch_op:
        batch_op.drop_column('draw')
    with op.batch_alter_table('training_assignments', schema=None) as batch_op:
        batch_op.drop_constraint('test_wait_minutes_range', type_='check')
        batch_op.drop_constraint('test_attempts_range', type_='check')
        batch_op.drop_column('test_wait_minutes')
        batch_op.drop_column('test_attempts')
        batch_op.drop_column('test_competences')
        batch_op.drop_column('test_banks')
