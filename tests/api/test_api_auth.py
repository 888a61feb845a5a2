"""Who may use the API: every 401 names the scheme to authenticate with (``WWW-Authenticate:
Bearer``), whatever was wrong with the token."""

from __future__ import annotations

import pytest

BEARER_ENDPOINTS = [
    ("post", "/api/v1/contests/{slug}/rounds/{number}/attempts"),
    ("put", "/api/v1/attempts/{attempt_id}/answers"),
    ("post", "/api/v1/attempts/{attempt_id}/submit"),
    ("delete", "/api/v1/auth/token"),
    ("get", "/api/v1/indicators"),
]


def _url(path: str, api_world) -> str:
    return path.format(slug=api_world.slug, number=api_world.number, attempt_id=api_world.attempt_id)


@pytest.mark.parametrize(("method", "path"), BEARER_ENDPOINTS)
@pytest.mark.parametrize("token", ["missing", "unknown", "expired", "revoked", "not bearer"])
def test_every_401_says_bearer(app, client, api_world, method, path, token):
    """Missing, unknown, expired and revoked tokens all get 401 with ``WWW-Authenticate: Bearer``."""
    from app.accounts.models import ApiToken
    from app.accounts.tokens import revoke_tokens, token_hash
    from app.core.extensions import db

    headers = {
        "missing": {},
        "unknown": {"Authorization": "Bearer not-a-token"},
        "expired": {"Authorization": f"Bearer {api_world.expired_token}"},
        "revoked": {"Authorization": f"Bearer {api_world.token}"},
        "not bearer": {"Authorization": f"Basic {api_world.token}"},
    }[token]
    if token == "revoked":
        with app.app_context():
            row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == token_hash(api_world.token)))
            revoke_tokens(row.user_id, row.token_hash)
            db.session.commit()
    response = getattr(client, method)(_url(path, api_world), headers=headers, json={"answers": {}})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json()["error"]["status"] == 401


def test_a_wrong_password_gets_401_with_www_authenticate(client, api_world):
    response = client.post("/api/v1/auth/token", json={"login": api_world.login, "password": "wrong-pass-1"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
