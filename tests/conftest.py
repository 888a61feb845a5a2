"""Shared fixtures, in the flaskr style: ``app``, ``client``, ``runner``, factories, ``login``.

The database is chosen by ``TEST_DATABASE_URL`` (SQLite in a temporary file when empty) and Redis by
``TEST_REDIS_URL``. Without ``CI=true`` a pass whose server is missing is skipped with the reason
printed; with ``CI=true`` a missing server fails the run.

Note on contexts: a test-client request reuses an app context that the test has pushed, so tests
that make requests should not hold the ``ctx`` fixture; use ``with app.app_context():`` for checks.
"""
from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.core.extensions import db
from config import TestConfig

CI = os.environ.get("CI", "").lower() == "true"


def _database_url(tmp_dir: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or ""
    return url or f"sqlite:///{Path(tmp_dir) / 'test.db'}"


def _require(service: str, ok: bool, reason: str) -> None:
    if ok:
        return
    if CI:
        pytest.exit(f"CI=true but {service} is not available: {reason}", returncode=3)
    print(f"\nSKIPPING the {service} pass: {reason}")
    pytest.exit(f"{service} not available, pass skipped: {reason}", returncode=0)


@pytest.fixture(scope="session")
def _app():
    tmp_dir = tempfile.mkdtemp(prefix="cds-test-")
    url = _database_url(tmp_dir)
    redis_url = os.environ.get("TEST_REDIS_URL") or None

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        REDIS_URL = redis_url
        UPLOAD_DIR = Path(tmp_dir) / "uploads"

    app = create_app(Config)
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # server missing or refusing
            _require("PostgreSQL", False, f"{url}: {type(exc).__name__}")
        if redis_url:
            try:
                app.extensions["redis"].ping()
            except Exception as exc:
                _require("Redis", False, f"{redis_url}: {type(exc).__name__}")
            app.extensions["redis"].flushdb()
        db.drop_all()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def _clean(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                for name in reversed(tables):
                    conn.execute(text(f'DELETE FROM "{name}"'))
        if app.extensions.get("redis") is not None:
            app.extensions["redis"].flushdb()
    from app.core.channels import MemoryAdapter

    MemoryAdapter.sent.clear()
    app.extensions.pop("message_rate_limits", None)


@pytest.fixture
def app(_app):
    yield _app
    _clean(_app)


@pytest.fixture
def postgresql_only(app):
    """Skips (with the reason) a test about a database server's behaviour on the SQLite pass."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has no server that could drop connections")


@pytest.fixture
def ctx(app):
    """An app context for service-level tests (no HTTP requests in the same test)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories (Indico style: fixtures returning callables) --------------------------------------

_counter = itertools.count(1)
PASSWORD = "secret-pass-1"


def _in_context(app, fn):
    from flask import has_app_context

    if has_app_context():
        return fn()
    with app.app_context():
        obj = fn()
        db.session.refresh(obj)
        db.session.expunge(obj)
        return obj


@pytest.fixture
def make_locality(app):
    """``make_locality(code, name=None, type="Xã", parent=None)`` → Locality (parent by object or code)."""

    def factory(code: str, name: str | None = None, type: str = "Xã", parent=None, **extra):
        def create():
            from app.core.text import fold
            from app.localities.models import Locality
            from app.localities.service import get_by_code, path_for

            parent_obj = get_by_code(parent) if isinstance(parent, str) else (
                get_by_code(parent.code) if parent is not None else None)
            loc = Locality(code=code, name=name or f"Đơn vị {code}", type=type, parent=parent_obj,
                           path=path_for(parent_obj.path if parent_obj else None, code),
                           depth=(parent_obj.depth + 1) if parent_obj else 0, **extra)
            loc.search_name = fold(loc.name)
            db.session.add(loc)
            db.session.commit()
            return loc

        return _in_context(app, create)

    return factory


@pytest.fixture
def make_user(app):
    """``make_user(phone=None, roles={"manager": "CODE"}, kind="citizen", locality="CODE")`` → User."""

    def factory(phone: str | None = None, full_name: str = "Nguyễn Văn Thử", kind: str = "citizen",
                locality: str | None = None, roles: dict[str, str | None] | None = None,
                password: str = PASSWORD, email: str | None = None, **extra):
        def create():
            from app.accounts.models import User
            from app.accounts.service import grant_role
            from app.core.text import fold
            from app.localities.service import get_by_code

            number = phone or f"09{next(_counter) + 10000000:08d}"[-10:]
            user = User(phone=number, email=email, full_name=full_name, search_name=fold(full_name),
                        kind=kind, locality=get_by_code(locality) if locality else None, **extra)
            user.set_password(password)
            db.session.add(user)
            for role, code in (roles or {}).items():
                grant_role(user, role, get_by_code(code) if code else None)
            db.session.commit()
            return user

        return _in_context(app, create)

    return factory


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as ``user`` (through the real login form)."""

    def do(user, password: str = PASSWORD):
        response = client.post("/auth/login", data={"login": user.phone or user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


@pytest.fixture
def tree(make_locality):
    """A small tree: province P (code 90) with districts D1 (901) and D2 (902), each with a commune
    and a village. Returns the codes by short name."""
    make_locality("90", "Tỉnh Thử", "Tỉnh")
    make_locality("901", "Huyện Một", "Huyện", parent="90")
    make_locality("902", "Huyện Hai", "Huyện", parent="90")
    make_locality("90101", "Xã Tân Thành", "Xã", parent="901")
    make_locality("90201", "Xã Phú Văn", "Xã", parent="902")
    make_locality("9010101", "Ấp 1", "Ấp", parent="90101")
    make_locality("9020101", "Ấp 1", "Ấp", parent="90201")
    return {"province": "90", "d1": "901", "d2": "902", "c1": "90101", "c2": "90201",
            "v1": "9010101", "v2": "9020101"}


@pytest.fixture
def rate_limited_app(tmp_path):
    """``rate_limited_app(**config)`` → a separate app (own SQLite file, schema created) with
    Flask-Limiter enabled. The limiter is one object per process, so it is switched off again
    afterwards for the other tests."""
    from app.core.extensions import limiter

    created = []

    def factory(**overrides):
        attrs = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'limited{len(created)}.db'}",
                 "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
                 **overrides}
        limited = create_app(type("Limited", (TestConfig,), attrs))
        with limited.app_context():
            db.create_all()
        limiter.reset()
        created.append(limited)
        return limited

    yield factory
    limiter.reset()
    limiter.enabled = False
