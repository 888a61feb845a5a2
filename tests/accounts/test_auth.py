"""Accounts: registration with a Vietnamese mobile number or e-mail, login, logout, password reset
and change, throttling."""
from __future__ import annotations

import re

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts import service as accounts
from app.accounts.models import User
from app.core.channels import MemoryAdapter
from app.core.extensions import db


def register(client, **overrides):
    data = {"full_name": "Nguyễn Thị Mai", "login": "0912345678", "birth_year": "1970",
            "password": "mat-khau-123", "confirm": "mat-khau-123", "loc": ["", ""]}
    data.update(overrides)
    return client.post("/auth/register", data=data)


def users_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize(("raw", "expected"), [
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("091.234.5678", "0912345678"),
    ("+84912345678", "0912345678"),
    ("84912345678", "0912345678"),
    ("0321234567", "0321234567"),
    ("0862345678", "0862345678"),
])
def test_valid_vietnamese_mobile_numbers_are_normalized(raw, expected):
    assert accounts.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "091234567", "09123456789", "0112345678", "0212345678", "0312345678", "0412345678",
    "0512345678", "0612345678", "0802345678", "abcdefghij", "0912-345-67x", "+1 650 555 0100",
])
def test_invalid_phone_numbers_are_refused(raw):
    assert accounts.normalize_phone(raw) is None


def test_citizen_registers_with_phone_and_locality(client, app, tree):
    with app.app_context():
        from app.localities.service import get_by_code

        village = get_by_code(tree["v1"])
        province = get_by_code(tree["province"])
        ids = [str(province.id), str(village.parent.parent_id), str(village.parent_id), str(village.id)]
    response = register(client, loc=ids)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "0912345678"))
        assert user.full_name == "Nguyễn Thị Mai"
        assert user.locality.code == tree["v1"]
        assert user.password_hash.startswith("pbkdf2") or user.password_hash.startswith("scrypt")
        assert user.check_password("mat-khau-123")
    # logged in straight away
    assert "Nguyễn Thị Mai" in client.get("/").get_data(as_text=True)


def test_registration_without_locality_is_refused_and_writes_nothing(client, app, tree):
    response = register(client)
    assert response.status_code == 400
    assert users_count(app) == 0


def test_unknown_locality_id_is_refused(client, app, tree):
    response = register(client, loc=["999999"])
    assert response.status_code == 400
    assert users_count(app) == 0


def test_drilling_down_without_javascript_shows_the_next_level(client, app, tree):
    with app.app_context():
        from app.localities.service import get_by_code

        province_id = get_by_code(tree["province"]).id
    response = client.post("/auth/register", data={"loc": [str(province_id)], "drill": "1",
                                                    "full_name": "Mai"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Huyện Một" in html
    assert "Huyện Hai" in html
    assert 'value="Mai"' in html  # what was typed is kept
    assert users_count(app) == 0


def test_one_account_per_phone_number(client, app, make_user, tree):
    make_user(phone="0912345678", locality=tree["v1"])
    with app.app_context():
        from app.localities.service import get_by_code

        vid = get_by_code(tree["v1"]).id
    response = register(client, loc=[str(vid)], login="+84 912 345 678")
    assert response.status_code == 400
    assert "Đã có tài khoản dùng số điện thoại hoặc e-mail này." in response.get_data(as_text=True)
    assert users_count(app) == 1


def test_phone_uniqueness_is_a_database_constraint(ctx):
    from sqlalchemy.exc import IntegrityError

    db.session.add(User(phone="0912345678", full_name="A", password_hash="x"))
    db.session.commit()
    db.session.add(User(phone="0912345678", full_name="B", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_register_with_email(client, app, tree):
    with app.app_context():
        from app.localities.service import get_by_code

        vid = get_by_code(tree["c1"]).id
    response = register(client, login="Mai.Nguyen@Example.VN", loc=[str(vid)])
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.email)) == "mai.nguyen@example.vn"


def test_login_and_logout(client, make_user, tree):
    user = make_user(phone="0987654321", locality=tree["v1"])
    response = client.post("/auth/login", data={"login": "0987 654 321", "password": "secret-pass-1"})
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 200
    client.post("/auth/logout")
    assert client.get("/auth/profile").status_code == 302
    assert user.phone == "0987654321"


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user(phone="0987654321")
    response = client.post("/auth/login", data={"login": "0987654321", "password": "nope-nope"})
    assert response.status_code == 400
    assert client.get("/auth/profile").status_code == 302


def test_login_redirects_only_to_local_pages(client, make_user):
    make_user(phone="0987654321")
    response = client.post("/auth/login", data={"login": "0987654321", "password": "secret-pass-1",
                                                "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def _reset_link() -> str:
    body = MemoryAdapter.sent[-1].body
    return re.search(r"http://localhost(/auth/reset/\S+)", body).group(1)


def test_password_reset_by_signed_single_use_token(client, app, make_user):
    make_user(phone="0987654321")
    client.post("/auth/reset", data={"login": "0987654321"})
    link = _reset_link()
    response = client.post(link, data={"password": "moi-mat-khau-1", "confirm": "moi-mat-khau-1"})
    assert response.status_code == 302
    assert client.post("/auth/login", data={"login": "0987654321", "password": "moi-mat-khau-1"}).status_code == 302
    client.post("/auth/logout")
    # the same link cannot be used twice
    again = client.post(link, data={"password": "lan-thu-hai-1", "confirm": "lan-thu-hai-1"})
    assert again.status_code == 302
    assert "/auth/reset" in again.headers["Location"]
    assert client.post("/auth/login", data={"login": "0987654321", "password": "lan-thu-hai-1"}).status_code == 400


def test_password_reset_token_expires(client, app, make_user):
    make_user(phone="0987654321")
    with time_machine.travel("2026-01-01 08:00:00+07:00", tick=False):
        client.post("/auth/reset", data={"login": "0987654321"})
    link = _reset_link()
    with time_machine.travel("2026-01-01 09:30:00+07:00", tick=False):
        response = client.post(link, data={"password": "moi-mat-khau-1", "confirm": "moi-mat-khau-1"})
    assert "/auth/reset" in response.headers["Location"]


def test_reset_request_does_not_reveal_whether_an_account_exists(client):
    response = client.post("/auth/reset", data={"login": "0912000000"})
    assert response.status_code == 302
    assert MemoryAdapter.sent == []


def test_password_change_ends_other_sessions(app, make_user):
    make_user(phone="0987654321")
    phone_session, laptop_session = app.test_client(), app.test_client()
    for c in (phone_session, laptop_session):
        assert c.post("/auth/login", data={"login": "0987654321", "password": "secret-pass-1"}).status_code == 302
    response = laptop_session.post("/auth/password", data={
        "current": "secret-pass-1", "password": "mat-khau-moi-9", "confirm": "mat-khau-moi-9"})
    assert response.status_code == 302
    assert laptop_session.get("/auth/profile").status_code == 200  # this session continues
    assert phone_session.get("/auth/profile").status_code == 302  # the other one is logged out


def test_profile_of_an_official_sets_workplace_unit_and_position(client, app, make_user, login, tree):
    user = make_user(phone="0987654321", kind="official", locality=tree["c1"])
    login(user)
    with app.app_context():
        from app.localities.service import get_by_code

        cid = get_by_code(tree["c1"]).id
    response = client.post("/auth/profile", data={"full_name": "Phạm Minh Công", "loc": [str(cid)],
                                                  "workplace_unit": "UBND xã Tân Thành",
                                                  "position": "Công chức tư pháp"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert saved.workplace_unit.name == "UBND xã Tân Thành"
        assert saved.workplace_unit.locality.code == tree["c1"]
        assert saved.position == "Công chức tư pháp"


def test_login_is_throttled_per_account(rate_limited_app):
    limited = rate_limited_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_IP="100 per minute")
    with limited.app_context():
        user = User(phone="0987654321", full_name="A")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
    client = limited.test_client()
    statuses = [client.post("/auth/login", data={"login": "0987654321", "password": "wrong-pass"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(5)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]
    # another account from the same addresses is not affected
    assert client.post("/auth/login", data={"login": "0912345678", "password": "x"},
                       environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 400


def test_successful_logins_never_lock_the_account(rate_limited_app):
    """Issue 18: ten logins in 15 minutes, successful ones included, locked the account for the day."""
    limited = rate_limited_app(LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes", LOGIN_LIMIT_PER_IP="30 per minute")
    with limited.app_context():
        user = User(phone="0987654321", full_name="A")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
    statuses = []
    for _ in range(12):
        client = limited.test_client()
        statuses.append(client.post("/auth/login", data={"login": "0987654321",
                                                         "password": "secret-pass-1"}).status_code)
    assert statuses == [302] * 12
    # failures still count: after ten wrong passwords the account is locked, even for the right one
    client = limited.test_client()
    wrong = [client.post("/auth/login", data={"login": "0987654321", "password": "wrong-pass"}).status_code
             for _ in range(11)]
    assert wrong == [400] * 10 + [429]
    assert client.post("/auth/login", data={"login": "0987654321",
                                            "password": "secret-pass-1"}).status_code == 429


def test_login_is_throttled_per_ip(rate_limited_app):
    limited = rate_limited_app(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_IP="4 per minute")
    client = limited.test_client()
    statuses = [client.post("/auth/login", data={"login": f"09123456{i:02d}", "password": "x"}).status_code
                for i in range(6)]
    assert statuses.count(429) == 2


def test_registrations_per_ip_are_capped(rate_limited_app):
    limited = rate_limited_app(REGISTRATIONS_PER_IP_PER_HOUR=2)
    with limited.app_context():
        from app.localities.models import Locality

        loc = Locality(code="90", name="Tỉnh Thử", type="Tỉnh", path="/90/", depth=0)
        db.session.add(loc)
        db.session.commit()
        loc_id = loc.id
    statuses = []
    for i in range(3):
        client = limited.test_client()
        statuses.append(client.post("/auth/register", data={
            "full_name": "Người Thử", "login": f"091234560{i}", "password": "mat-khau-123",
            "confirm": "mat-khau-123", "loc": [str(loc_id)]}).status_code)
    assert statuses == [302, 302, 429]


def test_every_form_needs_its_csrf_token(tmp_path):
    """CSRF protection is on for every form outside the test configuration (the JSON API, which
    authenticates with bearer tokens and sends no cookies, is exempt)."""
    from app import create_app
    from config import TestConfig

    class WithCsrf(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'csrf.db'}"
        WTF_CSRF_ENABLED = True
        REDIS_URL = None

    protected = create_app(WithCsrf)
    with protected.app_context():
        db.create_all()
    client = protected.test_client()
    for path, data in [("/auth/login", {"login": "0912345678", "password": "x"}),
                       ("/auth/register", {"full_name": "A"}), ("/auth/reset", {"login": "0912345678"}),
                       ("/lang", {"lang": "en"}), ("/prefs", {"large_text": "1"}), ("/auth/logout", {})]:
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "Biểu mẫu đã hết hạn" in response.get_data(as_text=True)
    assert client.get("/api/v1/health").status_code == 200


def test_a_person_opts_out_of_a_kind_of_message_and_chooses_a_channel(client, app, make_user):
    from app.core import messaging

    user = make_user(phone="0987654321", email="mai@example.vn")
    client.post("/auth/login", data={"login": "0987654321", "password": "secret-pass-1"})
    page = client.get("/auth/messages").get_data(as_text=True)
    assert 'value="contest_round_opened"' in page
    assert 'value="password_reset"' not in page  # security messages cannot be turned off
    kinds = ["contest_results", "training_due", "training_overdue", "training_digest", "assisted_summary"]
    response = client.post("/auth/messages", data={"receive": kinds, "channel": "sms"})
    assert response.status_code == 302
    with app.app_context():
        pref = messaging.preferences(user.id)
        assert (pref.opted_out, pref.channel) == (["contest_round_opened"], "sms")
    page = client.get("/auth/messages").get_data(as_text=True)
    assert 'id="receive-contest_round_opened">' in page  # unchecked now
    assert 'id="receive-contest_results" checked>' in page
    assert client.post("/auth/messages", data={"channel": "fax"}).status_code == 400


def test_registration_shows_every_error_at_once(client, app, tree):
    """A wrong phone number and a missing place are both named on the first try (issue 18): the
    phone error used to appear only once the place was chosen."""
    response = client.post("/auth/register", data={"full_name": "Nguyễn Thị Mai", "login": "0912",
                                                   "password": "ngan", "confirm": "ngan"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="login-error"' in html
    assert "10 chữ số" in html
    assert 'id="password-error"' in html
    assert 'id="picker-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def _limited_with_account(rate_limited_app, **config):
    limited = rate_limited_app(**config)
    with limited.app_context():
        user = User(phone="0987654321", full_name="A")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
    return limited


def test_token_endpoint_is_throttled_per_account_after_failed_passwords(rate_limited_app):
    limited = _limited_with_account(rate_limited_app, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                                    LOGIN_LIMIT_PER_IP="100 per minute")
    client = limited.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"login": "0987654321", "password": "wrong-pass"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # even the right password waits once the account's limit is reached
    assert client.post("/api/v1/auth/token", json={"login": "0987654321", "password": "secret-pass-1"},
                       environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 429
    # another account is not affected
    assert client.post("/api/v1/auth/token", json={"login": "0912345678", "password": "x"}).status_code == 401


def test_web_form_and_token_endpoint_share_the_account_limit(rate_limited_app):
    limited = _limited_with_account(rate_limited_app, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                                    LOGIN_LIMIT_PER_IP="100 per minute")
    client = limited.test_client()
    wrong = {"login": "0987654321", "password": "wrong-pass"}
    assert client.post("/auth/login", data=wrong).status_code == 400
    assert client.post("/auth/login", data={**wrong, "login": "+84987654321"}).status_code == 400
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 429
    assert client.post("/auth/login", data=wrong).status_code == 429


def test_only_failed_logins_count_towards_the_account_limit(rate_limited_app):
    limited = _limited_with_account(rate_limited_app, LOGIN_LIMIT_PER_ACCOUNT="2 per minute",
                                    LOGIN_LIMIT_PER_IP="100 per minute")
    good = {"login": "0987654321", "password": "secret-pass-1"}
    for _ in range(4):
        assert limited.test_client().post("/api/v1/auth/token", json=good).status_code == 201
        assert limited.test_client().post("/auth/login", data=good).status_code == 302


def _register_from(limited, loc_id: int, n: int, remote: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return limited.test_client().post("/auth/register", data={
        "full_name": "Người Thử", "login": f"09123{n:05d}", "password": "mat-khau-123",
        "confirm": "mat-khau-123", "loc": [str(loc_id)]},
        headers=headers, environ_base={"REMOTE_ADDR": remote}).status_code


def _province(limited) -> int:
    with limited.app_context():
        from app.localities.models import Locality

        loc = Locality(code="90", name="Tỉnh Thử", type="Tỉnh", path="/90/", depth=0)
        db.session.add(loc)
        db.session.commit()
        return loc.id


NGINX = "127.0.0.1"


def test_behind_a_trusted_proxy_the_registration_cap_counts_each_client_apart(rate_limited_app):
    limited = rate_limited_app(REGISTRATIONS_PER_IP_PER_HOUR=2, TRUSTED_PROXY_COUNT=1)
    loc_id = _province(limited)
    # three people of the province, each through nginx, each with their own address
    assert [_register_from(limited, loc_id, i, NGINX, f"203.0.113.{i}") for i in range(3)] == [302] * 3
    # one person registering again and again is capped at their own address
    assert [_register_from(limited, loc_id, 10 + i, NGINX, "198.51.100.7") for i in range(3)] == [
        302, 302, 429]


def test_a_forged_forwarded_header_does_not_escape_the_cap(rate_limited_app):
    limited = rate_limited_app(REGISTRATIONS_PER_IP_PER_HOUR=2, TRUSTED_PROXY_COUNT=1)
    loc_id = _province(limited)
    # the client sends its own X-Forwarded-For; nginx appends the address it saw: only that counts
    statuses = [_register_from(limited, loc_id, i, NGINX, f"10.9.9.{i}, 198.51.100.7") for i in range(3)]
    assert statuses == [302, 302, 429]


def test_without_trusted_proxies_forwarded_headers_are_ignored(rate_limited_app):
    limited = rate_limited_app(REGISTRATIONS_PER_IP_PER_HOUR=2)  # TRUSTED_PROXY_COUNT=0, the default
    loc_id = _province(limited)
    statuses = [_register_from(limited, loc_id, i, "198.51.100.7", f"203.0.113.{i}") for i in range(3)]
    assert statuses == [302, 302, 429]


def test_behind_a_trusted_proxy_the_login_limit_per_address_counts_each_client_apart(rate_limited_app):
    limited = rate_limited_app(LOGIN_LIMIT_PER_IP="2 per minute", LOGIN_LIMIT_PER_ACCOUNT="100 per minute",
                               TRUSTED_PROXY_COUNT=1)
    client = limited.test_client()

    def login_from(client_address: str, n: int) -> int:
        return client.post("/auth/login", data={"login": f"09123456{n:02d}", "password": "x"},
                           headers={"X-Forwarded-For": client_address},
                           environ_base={"REMOTE_ADDR": NGINX}).status_code

    assert [login_from(f"203.0.113.{i}", i) for i in range(4)] == [400] * 4
    assert [login_from("198.51.100.7", 10 + i) for i in range(3)] == [400, 400, 429]
    # the API's token endpoint keys on the same client address
    assert client.post("/api/v1/auth/token", json={"login": "0912345699", "password": "x"},
                       headers={"X-Forwarded-For": "203.0.113.50"},
                       environ_base={"REMOTE_ADDR": NGINX}).status_code == 401


def test_reset_link_comes_from_public_base_url_never_from_the_host_header(client, app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://congdanso.example.gov.vn")
    make_user(phone="0987654321")
    client.post("/auth/reset", data={"login": "0987654321"}, headers={"Host": "evil.example"})
    body = MemoryAdapter.sent[-1].body
    assert "evil.example" not in body
    assert re.search(r"https://congdanso\.example\.gov\.vn/auth/reset/\S+", body)


def _production(tmp_path, **overrides):
    from app import create_app
    from config import ProductionConfig

    attrs = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}", "REDIS_URL": None,
             "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "prod-test", "LOG_JSON": False,
             "PUBLIC_BASE_URL": "https://congdanso.example.gov.vn", **overrides}
    return create_app(type("Prod", (ProductionConfig,), attrs))


def test_production_refuses_to_start_without_public_base_url(tmp_path):
    for missing in ("", "congdanso.example.gov.vn", "ftp://congdanso.example.gov.vn"):
        with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
            _production(tmp_path, PUBLIC_BASE_URL=missing)
    assert _production(tmp_path).config["PUBLIC_BASE_URL"] == "https://congdanso.example.gov.vn"


def test_production_never_writes_messages_to_the_log(tmp_path):
    from config import ProductionConfig

    assert ProductionConfig.MESSAGES_TO_LOG is False  # whatever the environment says
    with pytest.raises(RuntimeError, match="MESSAGES_TO_LOG"):
        _production(tmp_path, MESSAGES_TO_LOG=True)


def test_production_reset_puts_no_token_in_the_log(tmp_path, caplog):
    """Production with no e-mail provider configured: the reset message waits in the outbox and
    nothing is logged with its link."""
    import logging

    prod = _production(tmp_path, EMAIL_ADAPTER="", SMS_ADAPTER="", ZALO_ADAPTER="", SMTP_HOST="",
                       WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with prod.app_context():
        db.create_all()
        user = User(phone="0987654321", email="a@example.vn", full_name="A")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
    with caplog.at_level(logging.DEBUG):
        assert prod.test_client().post("/auth/reset", data={"login": "a@example.vn"}).status_code == 302
    assert not any("/auth/reset/" in record.getMessage() for record in caplog.records)


def test_log_lines_of_a_reset_link_request_do_not_carry_its_token(app):
    import json
    import logging

    from app.core.logs import JsonFormatter

    with app.test_request_context("/auth/reset/SECRET-TOKEN-123"):
        line = JsonFormatter().format(logging.LogRecord("congdanso", logging.WARNING, "", 0, "x", (), None))
    assert "SECRET-TOKEN-123" not in line
    assert json.loads(line)["path"] == "/auth/reset/<token>"
