"""contests: final ranks partitioned by round on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 02:10:00

On PostgreSQL ``contest_final_ranks`` becomes a table partitioned by LIST (round_id), with one
partition per finalized round, so that finalize can fill a round's ranks into a table without
indexes and build the indexes afterwards (app.services.contests._replace_final_ranks). The ranks
already frozen are kept: each round's rows move to a partition of their own. SQLite keeps its
plain table (nothing to do).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = (
    "round_id INTEGER NOT NULL, "
    'grp VARCHAR(10) COLLATE "C" NOT NULL, '
    "final_rank INTEGER NOT NULL, "
    "user_id INTEGER NOT NULL, "
    "prize VARCHAR(80), "
    "CONSTRAINT ck_contest_final_ranks_group_valid CHECK (grp IN ('citizen', 'official')), "
    "CONSTRAINT ck_contest_final_ranks_final_rank_positive CHECK (final_rank >= 1), "
    "CONSTRAINT pk_contest_final_ranks PRIMARY KEY (round_id, grp, final_rank), "
    "CONSTRAINT uq_contest_final_ranks_round_id_user_id UNIQUE (round_id, user_id)"
)


def _rename_old(conn) -> None:
    conn.exec_driver_sql("ALTER TABLE contest_final_ranks RENAME TO contest_final_ranks_old")
    for name in (
        "pk_contest_final_ranks",
        "uq_contest_final_ranks_round_id_user_id",
        "ck_contest_final_ranks_group_valid",
        "ck_contest_final_ranks_final_rank_positive",
    ):
        conn.exec_driver_sql(f"ALTER TABLE contest_final_ranks_old RENAME CONSTRAINT {name} TO {name}_old")


def _rebuild(partitioned: bool) -> None:
    """Recreate contest_final_ranks (partitioned by round, or plain) with the same rows."""
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    _rename_old(conn)
    partition_by = " PARTITION BY LIST (round_id)" if partitioned else ""
    conn.exec_driver_sql(f"CREATE TABLE contest_final_ranks ({COLUMNS}){partition_by}")
    if partitioned:
        txid = conn.exec_driver_sql("SELECT txid_current()").scalar()
        rounds = conn.exec_driver_sql("SELECT DISTINCT round_id FROM contest_final_ranks_old").scalars().all()
        for round_id in rounds:
            conn.exec_driver_sql(
                f"CREATE TABLE contest_final_ranks_r{int(round_id)}_t{txid} "
                f"PARTITION OF contest_final_ranks FOR VALUES IN ({int(round_id)})"
            )
    conn.exec_driver_sql("INSERT INTO contest_final_ranks SELECT * FROM contest_final_ranks_old")
    conn.exec_driver_sql("DROP TABLE contest_final_ranks_old")  # with its partitions, if any


def upgrade():
    _rebuild(partitioned=True)


def downgrade():
    _rebuild(partitioned=False)
