"""contests: results publication, auto-finalize, collective prize rule, issuer; certificates of
contest prizes share the training certificates' table (kind, subject, award, issuer, round)

Revision ID: i16b_01_contest_results
Revises: i16a_01
Create Date: 2026-11-23 09:00:00

``certificates.course_title`` becomes ``subject`` (a course, or a contest and round). One valid
certificate per person and contest round is a partial unique index (revoked ones are kept).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i16b_01_contest_results'
down_revision = 'i16a_01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('collective_units', sa.SmallInteger(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('collective_localities', sa.SmallInteger(), server_default='3',
                                      nullable=False))
        batch_op.add_column(sa.Column('collective_min_rate', sa.SmallInteger(), nullable=True))
        batch_op.create_check_constraint(
            'collective_min_rate_range', 'collective_min_rate IS NULL OR collective_min_rate BETWEEN 0 AND 100')
        batch_op.create_check_constraint(
            'collective_counts_not_negative', 'collective_units >= 0 AND collective_localities >= 0')
    with op.batch_alter_table('contest_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_finalize', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('results_published_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('course_title', new_column_name='subject', existing_type=sa.String(length=200),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='training', nullable=False))
        batch_op.add_column(sa.Column('contest_round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('award', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('issuer', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_check_constraint('kind_valid', "kind IN ('training', 'contest')")
        batch_op.create_foreign_key(batch_op.f('fk_certificates_contest_round_id_contest_rounds'),
                                    'contest_rounds', ['contest_round_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_certificates_contest_round_id'), ['contest_round_id'], unique=False)
        batch_op.create_index('uq_certificates_round_user_valid', ['contest_round_id', 'user_id'], unique=True,
                              postgresql_where=sa.text('revoked_at IS NULL'),
                              sqlite_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_round_user_valid')
        batch_op.drop_index(batch_op.f('ix_certificates_contest_round_id'))
        batch_op.drop_constraint(batch_op.f('fk_certificates_contest_round_id_contest_rounds'), type_='foreignkey')
        batch_op.drop_constraint('kind_valid', type_='check')
        batch_op.drop_column('issuer')
        batch_op.drop_column('award')
        batch_op.drop_column('contest_round_id')
        batch_op.drop_column('kind')
        batch_op.alter_column('subject', new_column_name='course_title', existing_type=sa.String(length=200),
                              existing_nullable=False)
    with op.batch_alter_table('contest_rounds', schema=None) as batch_op:
        batch_op.drop_column('results_published_at')
        batch_op.drop_column('auto_finalize')
    with op.batch_alter_table('contests', schema=None) as batch_op:
        batch_op.drop_constraint('collective_counts_not_negative', type_='check')
        batch_op.drop_constraint('collective_min_rate_range', type_='check')
        batch_op.drop_column('collective_min_rate')
        batch_op.drop_column('collective_localities')
        batch_op.drop_column('collective_units')
        batch_op.drop_column('issuer')
