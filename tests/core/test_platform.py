"""Platform: health endpoint, JSON API errors, error pages in the person's language, preferences,
the admin command, demo data, and the schema built by migrations."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.core.extensions import db
from app.localities.models import Locality

ROOT = Path(__file__).resolve().parents[2]


def test_health_reports_database_state(client, app):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["backend"] in ("sqlite", "postgresql")
    if app.config.get("REDIS_URL"):
        assert body["redis"] == {"ok": True}
    else:
        assert "redis" not in body


def test_requests_survive_the_database_dropping_the_pools_connections(client, app, postgresql_only):
    """Pooled connections are not pinged on every checkout, yet when the database has closed them
    (a restart, an administrator terminating backends) the next requests get new connections
    instead of failing; a connection idle for a while is pinged before use."""
    import psycopg

    from app.core import database

    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    for _round in range(2):  # twice: the pool is full of connections the second time
        assert client.get("/api/v1/contests").status_code == 200
        with psycopg.connect(url, autocommit=True) as admin:
            others = (
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            dropped = admin.execute(f"SELECT count(pg_terminate_backend(pid)) {others}").fetchone()[0]
            for _wait in range(100):  # the backends exit a moment after being told to
                if admin.execute(f"SELECT count(*) {others}").fetchone()[0] == 0:
                    break
                time.sleep(0.02)
        assert dropped >= 1
        for _request in range(3):
            assert client.get("/api/v1/contests").status_code == 200
    with app.app_context():
        dialect = db.engine.dialect
        db.engine.dispose()  # the pool starts empty: one connection, checked out again and again
    pings = []
    real_ping = dialect.do_ping
    dialect.do_ping = lambda connection: pings.append(1) or real_ping(connection)
    idle = database.PING_AFTER_IDLE_SECONDS
    try:
        for _request in range(2):
            assert client.get("/api/v1/contests").status_code == 200
        assert pings == []  # a connection just used is trusted
        database.PING_AFTER_IDLE_SECONDS = 0.0  # every pooled connection counts as idle
        assert client.get("/api/v1/contests").status_code == 200
        assert pings == [1]
    finally:
        database.PING_AFTER_IDLE_SECONDS = idle
        del dialect.do_ping


def test_server_time_lets_a_quiz_client_count_down_by_the_servers_clock(client):
    with time_machine.travel(datetime(2026, 11, 22, 17, 30, tzinfo=UTC), tick=False):
        body = client.get("/api/v1/time").get_json()
    assert body == {
        "now": "2026-11-22T17:30:00+00:00",
        "local": "2026-11-23T00:30:00+07:00",
        "timezone": "Asia/Ho_Chi_Minh",
    }


def test_gunicorn_workers_freeze_the_loaded_app_out_of_the_garbage_collectors_reach():
    """A worker freezes what loading the app allocated, so that a full garbage collection does
    not stall it for a quarter of a second in the middle of a contest."""
    import gc
    import runpy

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_api_errors_are_json(client):
    response = client.get("/api/v1/localities/NOPE/children")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"]
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.is_json


def test_locality_children_api_feeds_the_picker(client, tree):
    body = client.get("/api/v1/localities/901/children").get_json()
    assert [x["code"] for x in body["localities"]] == ["90101"]
    assert [x["code"] for x in client.get("/api/v1/localities").get_json()["localities"]] == ["90"]


def test_not_found_page_speaks_the_chosen_language(client):
    vi = client.get("/no-such-page")
    assert vi.status_code == 404
    assert "Trang này không tồn tại" in vi.get_data(as_text=True)
    client.post("/lang", data={"lang": "en"})
    en = client.get("/no-such-page")
    assert "This page does not exist." in en.get_data(as_text=True)
    assert 'lang="en"' in en.get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/lang", data={"lang": "<script>"})
    assert 'lang="vi"' in client.get("/").get_data(as_text=True)


def test_large_text_and_low_data_preferences_are_remembered(client):
    client.post("/prefs", data={"large_text": "1"})
    assert 'class="large-text' in client.get("/").get_data(as_text=True)
    client.post("/prefs", data={"low_data": "1"})
    assert "low-data" in client.get("/").get_data(as_text=True)


def test_no_page_loads_assets_from_another_host(client, tree):
    for path in ("/", "/auth/login", "/auth/register"):
        html = client.get(path).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html


def test_create_admin_command(runner, app):
    result = runner.invoke(args=["users", "create-admin", "--login", "0911111111", "--name", "Quản Trị",
                                 "--password", "mat-khau-dai-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0911111111"))
        assert user.has_role("admin")


def test_demo_seed_is_idempotent(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.phone.like("090000000%"))) == 6
        codes = set(db.session.scalars(select(Locality.code)))
        # The old tree (Bình Phước, its districts, communes) is kept, closed on 1 July 2025 ...
        assert {"70", "689", "693", "25321", "2531801"} <= codes
        closed = set(db.session.scalars(select(Locality.code).where(Locality.dissolved_on == date(2025, 7, 1))))
        assert {"70", "689", "693", "25321"} <= closed
        # ... and today the demo communes are Đồng Nai's (no districts in between).
        province = db.session.scalar(select(Locality).where(Locality.code == "75"))
        assert province.label == "Tỉnh Đồng Nai"
        assert province.dissolved_on is None
        assert db.session.scalar(select(func.count(Locality.id)).where(
            Locality.parent_id == province.id, Locality.dissolved_on.is_(None))) == 19
        assert db.session.scalar(select(Locality.path).where(Locality.code == "2531801")) == "/75/25318/2531801/"
        manager = db.session.scalar(select(User).where(User.phone == "0900000003"))
        assert [(g.role, g.locality.code) for g in manager.grants] == [("manager", "75")]


def _scratch_database(tmp_path, app) -> tuple[str, list[str], dict]:
    """An empty database for migration runs (a SQLite file, or a scratch PostgreSQL schema),
    the ``flask`` command and its environment."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        # a scratch schema on the same PostgreSQL server
        with app.app_context(), db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS migcheck CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA migcheck")
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}options=-csearch_path%3Dmigcheck"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", "REDIS_URL": "", "LOG_LEVEL": "WARNING"}
    return url, [sys.executable, "-m", "flask"], env


def test_migrations_build_the_schema_and_match_the_models(tmp_path, app):
    """`flask db upgrade` on an empty database, then `flask db check` finds no difference."""
    _url, flask, env = _scratch_database(tmp_path, app)
    upgrade = subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    check = subprocess.run([*flask, "db", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_frozen_ranks_survive_the_migration_to_partitions_and_back(tmp_path, app):
    """Migration 0009 (final ranks partitioned by round on PostgreSQL) keeps every frozen rank,
    upgrading and downgrading, and the upgraded table takes a finalize's partitions."""
    from sqlalchemy import create_engine

    url, flask, env = _scratch_database(tmp_path, app)

    def migrate(*args):
        done = subprocess.run([*flask, "db", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]

    rows = [(1, "citizen", 1, 11, "Nhất"), (1, "citizen", 2, 12, None), (2, "official", 1, 11, None)]
    engine = create_engine(url)
    migrate("upgrade", "0008")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO contest_final_ranks VALUES (:r, :g, :k, :u, :p)"),
            [dict(zip("rgkup", row, strict=True)) for row in rows],
        )

    def frozen():
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM contest_final_ranks ORDER BY 1, 2, 3"))]

    migrate("upgrade")
    assert frozen() == rows
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            kind = conn.scalar(text("SELECT relkind FROM pg_class WHERE oid = 'contest_final_ranks'::regclass"))
            parts = conn.scalar(
                text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'contest_final_ranks'::regclass")
            )
        assert (kind, parts) == ("p", 2)  # one partition per round
    migrate("check")  # the partitions are not taken for tables missing from the models
    migrate("downgrade", "0008")
    assert frozen() == rows
    migrate("upgrade")
    assert frozen() == rows
    engine.dispose()
