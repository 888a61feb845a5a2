"""Smaller defects of issue 19, item 10: no redirect to another site through the language switch,
the display preferences or the login form; logout ends a copied session cookie; HSTS in
production; the demo data refused under the production configuration."""
from __future__ import annotations

import pytest

from app.core.extensions import db

HOSTILE_TARGETS = ["/\t/evil.example", "//evil.example", "/\\evil.example", " //evil.example",
                   "/\r\n/evil.example", "https://evil.example/", "javascript:alert(1)"]


def _is_local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\")) and "evil" not in location


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
@pytest.mark.parametrize(("path", "data"), [("/lang", {"lang": "en"}), ("/prefs", {"large_text": "1"})])
def test_preferences_never_redirect_to_another_site(client, path, data, target):
    response = client.post(path, data={**data, "next": target})
    assert response.status_code == 302
    assert _is_local(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("referrer", ["http://localhost//evil.example", "http://localhost/\t/evil.example",
                                      "https://evil.example/page"])
def test_preferences_go_back_only_to_a_page_of_this_site(client, referrer):
    response = client.post("/lang", data={"lang": "en"}, headers={"Referer": referrer})
    assert response.headers["Location"] == "/"


def test_preferences_go_back_to_the_page_they_were_changed_on(client):
    response = client.post("/lang", data={"lang": "en", "next": "/learn/?q=thu"})
    assert response.headers["Location"] == "/learn/?q=thu"
    response = client.post("/prefs", data={"low_data": "1"}, headers={"Referer": "http://localhost/contests/"})
    assert response.headers["Location"] == "/contests/"


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_login_never_redirects_to_another_site(client, make_user, target):
    user = make_user()
    response = client.post("/auth/login", data={"login": user.phone, "password": "secret-pass-1", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_ends_a_copied_session_cookie(app, client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/auth/profile").status_code == 200
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/auth/profile").status_code == 200  # a copy works while the session lives
    client.post("/auth/logout")
    assert client.get("/auth/profile").status_code == 302
    response = stolen.get("/auth/profile")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    login(user)  # logging in again works
    assert client.get("/auth/profile").status_code == 200


def _production_app(tmp_path):
    from app import create_app
    from config import ProductionConfig

    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'production.db'}"
        SECRET_KEY = "test-production-secret"
        PUBLIC_BASE_URL = "https://congdanso.example.vn"
        REDIS_URL = None
        RATELIMIT_STORAGE_URI = "memory://"
        RATELIMIT_ENABLED = False

    production = create_app(Production)
    with production.app_context():
        db.create_all()
    return production


def test_production_answers_with_hsts_and_the_test_configuration_does_not(tmp_path, client):
    production = _production_app(tmp_path)
    response = production.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_demo_data_is_refused_under_the_production_configuration(tmp_path):
    from app.accounts.models import User

    production = _production_app(tmp_path)
    result = production.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0
    assert "production" in result.output
    with production.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
