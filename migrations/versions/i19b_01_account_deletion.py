"""accounts: deleted accounts (Decree 13/2023): users.deleted_at; an anonymised account needs no login

Revision ID: i19b_01
Revises: i16b_02_outbox
Create Date: 2026-12-03 16:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i19b_01'
down_revision = 'i18b_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_users_has_login_or_assisted'), type_='check')
        batch_op.create_check_constraint(
            'has_login_or_assisted',
            'phone IS NOT NULL OR email IS NOT NULL OR is_assisted OR deleted_at IS NOT NULL')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_has_login_or_assisted'), type_='check')
        batch_op.create_check_constraint('has_login_or_assisted',
                                         'phone IS NOT NULL OR email IS NOT NULL OR is_assisted')
        batch_op.drop_column('deleted_at')
