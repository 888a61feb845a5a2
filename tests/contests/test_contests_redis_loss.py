"""Losing Redis mid-contest (issue 19, item 3), with a real Redis server of the test's own.

While Redis is down, logins, token requests, starts, saves, submits and board reads keep working
on SQL (rate limits count in memory), and /api/v1/health says "degraded". When Redis comes back,
emptied by a restart without persistence or with sets that missed the submits made meanwhile, the
first board read rebuilds the round from SQL, and the boards equal SQL again: nothing is lost.

Runs in both passes (SQLite and PostgreSQL): the app under test reads the pass's database and its
own ``redis-server`` (a free port, no persistence), whatever ``TEST_REDIS_URL`` says.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis
import time_machine

from app.contests import boards
from app.contests.models import ContestBestResult, ContestRound
from app.core.channels import MemoryAdapter
from app.core.extensions import db
from tests.conftest import PASSWORD
from tests.contests.conftest import NOW

BOARD = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen&limit=200"


class RedisServer:
    """A ``redis-server`` on a free loopback port, without persistence (a restart starts empty)."""

    def __init__(self, tmp_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = tmp_path
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(200):  # until it answers (at most 10 s)
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # as a crash: nothing saved
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_app(app, redis_server, rate_limited_app):
    """The app under test: the pass's database, the test's own Redis for boards and rate limits,
    rate limits on (generous), and a failed Redis retried at once (no waiting in a test). The
    server is started first so that it outlives the limiter (reset when the test ends)."""
    return rate_limited_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_server.url,
        RATELIMIT_STORAGE_URI=redis_server.url, REDIS_RETRY_SECONDS=0,
        CONTEST_START_LIMIT="1000 per minute", CONTEST_SUBMIT_LIMIT="1000 per minute",
        LOGIN_LIMIT_PER_IP="1000 per minute", LOGIN_LIMIT_PER_ACCOUNT="1000 per minute",
    )


def _token(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _take_round(client, headers: dict, right: int) -> None:
    """Start the round, save, and submit with ``right`` right answers (option 0 is right)."""
    started = client.post("/api/v1/contests/cuoc-thi/rounds/1/attempts", headers=headers)
    assert started.status_code == 201, started.get_data(as_text=True)
    attempt = started.get_json()
    answers = {str(q["id"]): [0 if i < right else 1] for i, q in enumerate(attempt["questions"])}
    saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers", headers=headers,
                       json={"answers": answers})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers,
                            json={"answers": answers})
    assert submitted.status_code == 200, submitted.get_data(as_text=True)


def _shown(client) -> list[tuple[int, int]]:
    """The public board as (rank, score) rows, read through the API."""
    response = client.get(BOARD)
    assert response.status_code == 200
    return [(row["rank"], row["score"]) for row in response.get_json()["entries"]]


def _sql_board(app) -> list[tuple[int, int]]:
    """The same board computed from SQL alone."""
    with app.app_context():
        round_ = db.session.scalar(db.select(ContestRound))
        ids, _total = boards.SqlBoard().page(round_, "citizen", 0, 200)
        scores = dict(db.session.execute(
            db.select(ContestBestResult.user_id, ContestBestResult.score)
            .where(ContestBestResult.round_id == round_.id)).all())
        return [(i + 1, scores[uid]) for i, uid in enumerate(ids)]


def _redis_members(redis_server, app) -> int:
    with app.app_context():
        round_id = db.session.scalar(db.select(ContestRound.id))
    return redis.Redis(port=redis_server.port).zcard(boards.RedisBoard.key(round_id, "citizen"))


def test_a_contest_survives_losing_redis_and_its_boards_come_back_equal_to_sql(
        app, world, register, redis_app, redis_server):
    people = [register(name=f"Người Thi {i}", locality="9010101") for i in range(9)]
    client = redis_app.test_client()
    with time_machine.travel(NOW, tick=False):
        tokens = {p.id: _token(client, p) for p in people}
        for i, person in enumerate(people[:4]):
            _take_round(client, tokens[person.id], right=i % 5 + 1)
        assert _shown(client) == _sql_board(redis_app)
        assert _redis_members(redis_server, redis_app) == 4

        redis_server.stop()  # mid-contest
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.get_json()["status"] == "degraded"
        assert health.get_json()["redis"]["ok"] is False
        web = redis_app.test_client()
        assert web.post("/auth/login", data={"login": people[5].phone, "password": PASSWORD}).status_code == 302
        assert web.get("/contests/cuoc-thi/rounds/1/board").status_code == 200
        assert web.post("/auth/reset", data={"login": people[6].phone}).status_code == 302
        assert [m.address for m in MemoryAdapter.sent] == [people[6].phone]  # sent at once
        tokens[people[8].id] = _token(client, people[8])  # a new token while Redis is down
        for i, person in enumerate(people[4:], start=4):
            _take_round(client, tokens[person.id], right=i % 5 + 1)
        _take_round(client, tokens[people[0].id], right=5)  # an improvement made while Redis is down
        shown = _shown(client)
        assert len(shown) == 9
        assert shown == _sql_board(redis_app)
        me = client.get(BOARD, headers=tokens[people[0].id]).get_json()["me"]
        assert me == {"rank": 1}

        redis_server.start()  # restarted without its data
        assert _redis_members(redis_server, redis_app) == 0
        assert client.get("/api/v1/health").get_json()["status"] == "ok"
        assert _shown(client) == _sql_board(redis_app)  # the first read rebuilt the round
        assert _redis_members(redis_server, redis_app) == 9
        _take_round(client, tokens[people[1].id], right=5)  # and it keeps up afterwards
        assert _shown(client) == _sql_board(redis_app)
        with redis_app.app_context():
            assert db.session.scalar(db.select(db.func.count(ContestBestResult.id))) == 9


def test_submits_missed_while_redis_was_unreachable_are_on_the_board_when_it_answers_again(
        app, world, register, redis_app, redis_server):
    """Redis comes back with its data (a network cut, not a restart): its sets lack the submits
    made meanwhile, so the worker that failed to write bumps the epoch and the boards are rebuilt."""
    people = [register(name=f"Người Thi {i}", locality="9010101") for i in range(4)]
    client = redis_app.test_client()
    reachable = redis_app.extensions["redis"]
    with time_machine.travel(NOW, tick=False):
        tokens = {p.id: _token(client, p) for p in people}
        _take_round(client, tokens[people[0].id], right=2)
        assert _shown(client) == _sql_board(redis_app)
        # The network to Redis is cut: this worker's client reaches nothing.
        redis_app.extensions["redis"] = redis.Redis(unix_socket_path=str(redis_server.dir / "cut.sock"),
                                                    socket_timeout=1, decode_responses=True)
        for person in people[1:]:
            _take_round(client, tokens[person.id], right=4)
        assert len(_shown(client)) == 4  # from SQL meanwhile
        redis_app.extensions["redis"] = reachable  # the network is back; Redis kept its data
        assert _redis_members(redis_server, redis_app) == 1
        assert _shown(client) == _sql_board(redis_app)
        assert _redis_members(redis_server, redis_app) == 4
