"""Error pages say what happened in words, in the person's language (issue 18, item 2)."""
from __future__ import annotations

import re


def _heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def test_a_missing_page_is_named_in_words(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert _heading(html) == "Không tìm thấy trang"
    assert "<title>Không tìm thấy trang" in html


def test_the_throttle_page_says_too_many_attempts_not_error_429(rate_limited_app):
    limited = rate_limited_app(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_IP="1 per minute")
    client = limited.test_client()
    responses = [client.post("/auth/login", data={"login": "0912345678", "password": "x"}) for _ in range(2)]
    assert responses[-1].status_code == 429
    html = responses[-1].get_data(as_text=True)
    assert _heading(html) == "Quá nhiều lần thử"
    assert "Lỗi 429" not in html
