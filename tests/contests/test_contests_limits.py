"""Abuse limits on contests: starting attempts and submitting are rate-limited per person."""
from __future__ import annotations

from app.accounts.models import User
from app.core.extensions import db


def _token(limited) -> str:
    with limited.app_context():
        user = User(phone="0912345678", full_name="Người Thi")
        user.set_password("secret-pass-1")
        db.session.add(user)
        db.session.commit()
    response = limited.test_client().post("/api/v1/auth/token",
                                          json={"login": "0912345678", "password": "secret-pass-1"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()["token"]


def test_starting_attempts_is_rate_limited_per_person(rate_limited_app):
    limited = rate_limited_app(CONTEST_START_LIMIT="2 per minute")
    headers = {"Authorization": f"Bearer {_token(limited)}"}
    client = limited.test_client()
    responses = [client.post("/api/v1/contests/khong-co/rounds/1/attempts", headers=headers) for _ in range(3)]
    assert [r.status_code for r in responses] == [404, 404, 429]
    assert responses[2].get_json()["error"]["status"] == 429
    assert 1 <= int(responses[2].headers["Retry-After"]) <= 60  # when the minute's window resets
    assert "X-RateLimit-Remaining" not in responses[0].headers  # no limiter read on every response


def test_submitting_is_rate_limited_per_person(rate_limited_app):
    limited = rate_limited_app(CONTEST_SUBMIT_LIMIT="2 per minute")
    headers = {"Authorization": f"Bearer {_token(limited)}"}
    client = limited.test_client()
    statuses = [client.post("/api/v1/attempts/999/submit", headers=headers, json={"answers": {}}).status_code
                for _ in range(3)]
    assert statuses[:2] != [429, 429]
    assert statuses[2] == 429
