"""competency: daily figures per unit (locality_daily_stats, report_days), report_marks, as_of

Revision ID: i17b_01
Revises: i16b_02_outbox
Create Date: 2026-12-03 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i17b_01'
down_revision = 'i19b_01'
branch_labels = None
depends_on = None

FIGURES = ("citizens", "officials", "learners", "lessons_completed", "assisted_sessions",
           "contest_participants", "training_required", "training_completed", "training_overdue",
           *(f"level_{n}" for n in range(9)))


def upgrade():
    op.create_table('locality_daily_stats',
    *[sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES],
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locality_id'], ['localities.id'],
                            name=op.f('fk_locality_daily_stats_locality_id_localities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', 'locality_id', name=op.f('pk_locality_daily_stats'))
    )
    op.create_table('report_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_report_days'))
    )
    op.create_table('report_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('locality_id', sa.Integer(), nullable=False),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_marks'))
    )
    with op.batch_alter_table('report_refreshes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('report_refreshes', schema=None) as batch_op:
        batch_op.drop_column('as_of')
    op.drop_table('report_marks')
    op.drop_table('report_days')
    op.drop_table('locality_daily_stats')
