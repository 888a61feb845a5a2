"""banks: owner scope and creator; questions: an image; audit events: a context path to filter by

Revision ID: i16a_01
Revises: 0010
Create Date: 2026-12-03 10:00:00

A bank belongs to an owner scope (``owner_locality_id``; NULL is province-wide content from the
quizzes/ files) and keeps who created it. A question may show one image (stored like lessons'
images, ``media_files``). Audit events get ``context_path`` ("/contest/5/round/12/") so the audit
page filters by contest and round; existing contest and round events are given theirs.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i16a_01'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_locality_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_question_banks_owner_locality_id'), ['owner_locality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_banks_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_question_banks_owner_locality_id_localities'), 'localities',
                                    ['owner_locality_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_question_banks_created_by_id_users'), 'users',
                                    ['created_by_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_questions_image_id_media_files'), 'media_files',
                                    ['image_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_path', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_context_path'), ['context_path'], unique=False)
    # Contest and round events recorded before this revision: place them.
    op.execute("UPDATE audit_events SET context_path = '/contest/' || object_id || '/' "
               "WHERE object_type = 'contest' AND object_id IS NOT NULL")
    op.execute("UPDATE audit_events SET context_path = (SELECT '/contest/' || r.contest_id || '/round/' || r.id || '/' "
               "FROM contest_rounds r WHERE CAST(r.id AS VARCHAR(40)) = audit_events.object_id) "
               "WHERE object_type = 'contest_round'")


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_context_path'))
        batch_op.drop_column('context_path')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_questions_image_id_media_files'), type_='foreignkey')
        batch_op.drop_column('image_id')
    with op.batch_alter_table('question_banks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_banks_created_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_question_banks_owner_locality_id_localities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_banks_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_question_banks_owner_locality_id'))
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('owner_locality_id')
