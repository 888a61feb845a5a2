"""The JSON API of contests: tokens (hash stored), start/autosave/submit, boards, 4xx errors, and
no answer key in any response while the round is open."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine

from app.accounts.models import ApiToken
from app.contests.models import ContestRound, Question
from app.core.extensions import db
from tests.conftest import PASSWORD
from tests.contests.conftest import NOW, right_values


def _token(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_token_is_stored_only_as_a_hash_and_bad_logins_get_401(app, client, register, world):
    person = register()
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
    token = headers["Authorization"].split()[1]
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken))
        assert row.token_hash != token
        assert len(row.token_hash) == 64
    assert (
        client.post("/api/v1/auth/token", json={"login": person.phone, "password": "wrong-pass"}).status_code
        == 401
    )
    assert client.post("/api/v1/auth/token", data="nope").status_code == 400
    assert client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts").status_code == 401
    assert (
        client.post(
            "/api/v1/contests/cuoc-thi/rounds/1/attempts", headers={"Authorization": "Bearer forged"}
        ).status_code
        == 401
    )


def test_a_phone_revokes_its_token_and_a_password_change_revokes_them_all(app, client, register, world):
    """``DELETE /auth/token`` logs one device out (its token is refused at once, also for the own
    rank on a board); changing the password revokes every token of the person."""
    from app.accounts import service as accounts
    from app.accounts.models import User
    from app.accounts.tokens import read_key, token_hash

    person = register(name="Đinh Thị Hai Máy")
    board = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen"
    start = "/api/v1/contests/cuoc-thi/rounds/1/attempts"
    with time_machine.travel(NOW, tick=False):
        phone_a, phone_b = _token(client, person), _token(client, person)
        assert "me" in client.get(board, headers=phone_a).get_json()  # trusted for reads now
        assert client.delete("/api/v1/auth/token", headers=phone_a).status_code == 204
        assert client.post(start, headers=phone_a).status_code == 401
        assert "me" not in client.get(board, headers=phone_a).get_json()
        assert client.delete("/api/v1/auth/token", headers=phone_a).status_code == 401
        assert client.delete("/api/v1/auth/token").status_code == 401
        redis = app.extensions.get("redis")
        if redis is not None:
            assert redis.get(read_key(token_hash(phone_a["Authorization"].split()[1]))) is None
        assert client.post(start, headers=phone_b).status_code == 201  # the other phone stays in
        with app.app_context():
            accounts.change_password(db.session.get(User, person.id), "another-pass-9")
            db.session.commit()
            assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
        assert client.post(start, headers=phone_b).status_code == 401
        assert "me" not in client.get(board, headers=phone_b).get_json()


def test_a_round_through_the_api_never_reveals_the_key(app, client, register, world):
    person = register(name="Vũ Thị Hoa")
    with app.app_context():
        secrets = [q.explanation for q in db.session.scalars(db.select(Question))]
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
        bodies = [
            client.get("/api/v1/contests").get_data(as_text=True),
            client.get("/api/v1/contests/cuoc-thi").get_data(as_text=True),
        ]
        started = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers)
        assert started.status_code == 201
        attempt = started.get_json()
        bodies.append(started.get_data(as_text=True))
        assert len(attempt["questions"]) == 5
        assert all("correct" not in q and "explanation" not in q for q in attempt["questions"])
        # The right option is index 0 in this bank; the test reads its token in the stored draw.
        answers = right_values(app, attempt["id"])
        saved = client.put(
            f"/api/v1/attempts/{attempt['id']}/answers",
            headers=headers,
            json={"answers": dict(list(answers.items())[:2])},
        )
        assert saved.get_json()["saved"] is True
        bad = client.put(f"/api/v1/attempts/{attempt['id']}/answers", headers=headers, json=["x"])
        assert bad.status_code == 400
        assert "message" in bad.get_json()["error"]
        # Starting again resumes the same attempt.
        again = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers).get_json()
        assert again["id"] == attempt["id"]
        assert again["deadline"] == attempt["deadline"]
    with time_machine.travel(NOW + timedelta(seconds=90), tick=False):
        result = client.post(
            f"/api/v1/attempts/{attempt['id']}/submit",
            headers=headers,
            json={"answers": answers, "prediction": 3},
        )
        assert result.get_json() | {} == {
            "id": attempt["id"],
            "status": "submitted",
            "score": 5,
            "questions": 5,
            "duration_ms": 90_000,
        }
        bodies.append(result.get_data(as_text=True))
        again = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers, json={"answers": {}})
        assert again.get_json()["score"] == 5
        board = client.get(
            "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen&limit=10", headers=headers
        ).get_json()
        bodies.append(json.dumps(board, ensure_ascii=False))
        assert board["total"] == 1
        assert board["me"] == {"rank": 1}
        assert board["entries"][0]["name"] == "Vũ T. H"
        local = client.get("/api/v1/contests/cuoc-thi/rounds/1/leaderboard?locality=902").get_json()
        assert local["total"] == 0
        places = client.get("/api/v1/contests/cuoc-thi/rounds/1/localities?parent=90").get_json()
        assert {p["code"]: p["participants"] for p in places["localities"]} == {"901": 1, "902": 0}
    for body in bodies:
        assert not [s for s in secrets if s in body]


def test_api_errors_are_json_4xx(client, world):
    assert client.get("/api/v1/contests/none").status_code == 404
    assert client.get("/api/v1/contests/cuoc-thi/rounds/9/leaderboard").status_code == 404
    assert client.get("/api/v1/contests/cuoc-thi/rounds/1/leaderboard?limit=x").status_code == 400
    assert client.get("/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=robots").status_code == 400
    assert client.get("/api/v1/contests/cuoc-thi/rounds/1/localities?parent=nowhere").status_code == 400


def test_board_reads_reuse_the_round_until_it_changes(app, client, register, world):
    """Public board reads keep a worker-local copy of the round (BOARD_ROUND_SECONDS); a change
    made in this worker drops it at once, a change made elsewhere shows when the copy expires."""
    from app.contests import service as contest_service

    app.config["BOARD_ROUND_SECONDS"] = 3600
    person = register(name="Đỗ Văn Nam")
    url = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen"
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
        attempt = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers).get_json()
        client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers,
                    json={"answers": right_values(app, attempt["id"]), "prediction": 1})
        assert client.get(url).get_json()["final"] is False
    with app.app_context():
        cached = contest_service.board_round("cuoc-thi", 1)
        assert contest_service.board_round("cuoc-thi", 1) is cached
        # Another worker finalizes (simulated by SQL this process's ORM never sees): not yet shown.
        db.session.execute(db.text("UPDATE contest_rounds SET finalized_at = closes_at"))
        db.session.commit()
    assert client.get(url).get_json()["final"] is False
    # A change flushed in this worker (here: the round's title) drops the copy at once.
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        round_.title = "Tuần 1 (đã chấm)"
        db.session.commit()
    assert client.get(url).get_json()["final"] is True


def test_a_board_read_reuses_a_checked_token_but_writes_always_check_it(app, client, register, world):
    """A public board adding the caller's own rank trusts a token this worker checked for
    TOKEN_READ_CACHE_SECONDS; starting an attempt checks the database every time."""
    from app.accounts.models import User

    person = register(name="Hồ Thị Lan")
    url = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen"
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
        assert "me" in client.get(url, headers=headers).get_json()
        with app.app_context():
            db.session.get(User, person.id).active = False
            db.session.commit()
        start = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers)
        assert start.status_code == 401
        assert "me" in client.get(url, headers=headers).get_json()  # still trusted for reads
        app.config["TOKEN_READ_CACHE_SECONDS"] = 0
        try:
            assert "me" not in client.get(url, headers=headers).get_json()
        finally:
            app.config["TOKEN_READ_CACHE_SECONDS"] = 30


def test_a_board_read_survives_the_database_dropping_its_connections(
    app, client, register, world, postgresql_only
):
    """The own-rank token check runs on a pool without pre-ping: when the database has dropped
    its connections (a restart), the read fails over to a new connection instead of failing."""
    from sqlalchemy import text

    person = register(name="Kha Văn Bền")
    url = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen"
    app.config["TOKEN_READ_CACHE_SECONDS"] = 0  # every read checks the token in SQL
    try:
        with time_machine.travel(NOW, tick=False):
            headers = _token(client, person)
            assert "me" in client.get(url, headers=headers).get_json()
            with app.app_context():
                dropped = db.session.scalar(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = 'cds-read' AND datname = current_database()"
                ))
                db.session.rollback()
            assert dropped >= 1
            assert "me" in client.get(url, headers=headers).get_json()
    finally:
        app.config["TOKEN_READ_CACHE_SECONDS"] = 30


def test_saving_and_submitting_need_the_owners_valid_token(app, client, register, world):
    """The attempt endpoints check the token and load the attempt together: another person's
    attempt is 404, and a missing, forged or expired token, or a deactivated owner, is 401."""
    from app.accounts.models import User

    owner, other = register(name="Lý Văn Chủ"), register(name="Lý Thị Khác")
    with time_machine.travel(NOW, tick=False):
        mine, theirs = _token(client, owner), _token(client, other)
        attempt_id = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=mine).get_json()["id"]
        save, submit = f"/api/v1/attempts/{attempt_id}/answers", f"/api/v1/attempts/{attempt_id}/submit"
        body = {"answers": {}}
        assert client.put(save, headers=theirs, json=body).status_code == 404
        assert client.post(submit, headers=theirs, json=body).status_code == 404
        assert client.post("/api/v1/attempts/999999/submit", headers=mine, json=body).status_code == 404
        assert client.put(save, json=body).status_code == 401
        assert client.post(submit, headers={"Authorization": "Bearer forged"}, json=body).status_code == 401
        assert client.put(save, headers=mine, json=body).status_code == 200
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert client.put(save, headers=mine, json=body).status_code == 401  # the token expired
    with time_machine.travel(NOW, tick=False):
        with app.app_context():
            db.session.get(User, owner.id).active = False
            db.session.commit()
        assert client.post(submit, headers=mine, json=body).status_code == 401


def test_with_redis_a_token_checked_once_serves_every_workers_board_reads(app, client, register, world, redis_client):
    """Own-rank reads share the token check through Redis: a new token (login) or one worker's
    check lets every worker skip the token query for TOKEN_READ_CACHE_SECONDS, and the page and the
    caller's rank come back together; saving and submitting still query the token every time."""
    from sqlalchemy import event

    from app.accounts.tokens import READ_CACHE, token_hash
    from app.core.cache import forget

    app.extensions["redis"] = redis_client  # the SQLite pass too: a local Redis
    token_queries = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM api_tokens" in statement or "JOIN api_tokens" in statement:
            token_queries.append(statement)

    person = register(name="Mai Thị Chia")
    url = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen&limit=10"
    engines = set()
    try:
        with time_machine.travel(NOW, tick=False):
            headers = _token(client, person)
            key = f"cds:token-read:{token_hash(headers['Authorization'].split()[1])}"
            assert redis_client.get(key) == str(person.id)
            assert 0 < redis_client.ttl(key) <= 30
            attempt = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers).get_json()
            answers = right_values(app, attempt["id"])
            with app.app_context():
                from app.core.database import _read_engine

                # On PostgreSQL a read's token check has a pool (engine) of its own.
                engines = {db.engine} if _read_engine().pool is db.engine.pool else {db.engine, _read_engine()}
            for engine in engines:
                event.listen(engine, "before_cursor_execute", count)
            client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers, json={"answers": answers})
            assert len(token_queries) == 1  # a write always checks
            token_queries.clear()
            forget(READ_CACHE)  # as if another worker served the read
            assert client.get(url, headers=headers).get_json()["me"] == {"rank": 1}
            assert token_queries == []
            redis_client.delete(key)  # expired: the next read checks once and shares it again
            assert client.get(url, headers=headers).get_json()["me"] == {"rank": 1}
            assert len(token_queries) == 1
            assert redis_client.get(key) == str(person.id)
    finally:
        for engine in engines:
            if event.contains(engine, "before_cursor_execute", count):
                event.remove(engine, "before_cursor_execute", count)
        app.extensions["redis"] = None if app.config.get("REDIS_URL") is None else redis_client


def test_ids_and_round_numbers_beyond_what_the_database_holds_are_not_found(client, register, world):
    """Flask's ``<int:...>`` has no upper bound: an id over 2**31 - 1 reached PostgreSQL ("integer out
    of range") and one over 2**63 - 1 could not be bound by SQLite, a 500 on either."""
    person = register()
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
        for huge in (2**31, 2**64):
            assert client.post(f"/api/v1/attempts/{huge}/submit", headers=headers, json={}).status_code == 404
            assert client.put(f"/api/v1/attempts/{huge}/answers", headers=headers, json={}).status_code == 404
            assert client.post(f"/api/v1/contests/cuoc-thi/rounds/{huge}/attempts", headers=headers).status_code == 404
            assert client.get(f"/api/v1/contests/cuoc-thi/rounds/{huge}/leaderboard").status_code == 404
            assert client.get(f"/api/v1/contests/cuoc-thi/rounds/{huge}/localities").status_code == 404


def test_a_board_offset_beyond_what_the_database_takes_is_refused(client, world):
    for offset in (2**64, 2**31):
        response = client.get(f"/api/v1/contests/cuoc-thi/rounds/1/leaderboard?offset={offset}")
        assert response.status_code == 400
        assert "offset" in response.get_json()["error"]["message"]


def test_answers_that_are_not_option_numbers_are_ignored(app, client, register, world):
    """Values that look like digits to ``str.isdigit`` but are not numbers (superscripts, "--1")
    made ``int()`` raise: a 500 on saving and on submitting."""
    person = register(name="Phan Văn Số")
    with time_machine.travel(NOW, tick=False):
        headers = _token(client, person)
        attempt = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers).get_json()
        first = str(attempt["questions"][0]["id"])
        token = attempt["questions"][0]["options"][1]["value"]
        odd = {first: ["²", "--1", "٣", 0, True, None, 1.5, "1", [token], {"a": token}, token]}
        saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers", headers=headers, json={"answers": odd})
        assert saved.status_code == 200
        assert saved.get_json()["answers"][first] == [token]
        submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers,
                                json={"answers": {first: ["¹"]}})
        assert submitted.status_code == 200
