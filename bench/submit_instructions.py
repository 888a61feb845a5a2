"""Instructions the app executes per contest submit and per ``GET /api/v1/time`` (the trivial
endpoint), counted by valgrind's callgrind: a repeatable figure on a machine whose speed moves by 2x
(wall and CPU times do not repeat; instruction counts repeat to within ~0.1%).

    .venv/bin/python -m bench.submit_instructions                 # SQLite in a temp dir, no Redis
    .venv/bin/python -m bench.submit_instructions --database postgresql+psycopg://postgres@127.0.0.1:5432/NAME \\
        --redis redis://127.0.0.1:6379/N                          # the database is emptied first

It seeds a contest with an open round of 30 questions and ``--count`` participants with tokens and
an attempt each (Flask test client, one process, rate limits on as in production), then, under
callgrind with instrumentation switched on only around them, sends ``--count`` submits (30 answers
and a prediction each) and ``--count`` time requests, and prints the instructions per request and
their ratio. Run it on two commits one after the other to compare them. Never a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INNER = "--inside-callgrind"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="", help="SQLAlchemy URL (emptied!); a temp SQLite file by default")
    parser.add_argument("--redis", default="", help="Redis URL (flushed!); none by default")
    parser.add_argument("--count", type=int, default=300, help="submits (and time requests) measured")
    parser.add_argument(INNER, dest="out_dir", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.out_dir:
        measure(args)
        return
    with tempfile.TemporaryDirectory(prefix="cds-callgrind-") as out_dir:
        database = args.database or f"sqlite:///{out_dir}/bench.db"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                   f"--callgrind-out-file={out_dir}/cg.%p", sys.executable, "-m", "bench.submit_instructions",
                   "--database", database, "--redis", args.redis, "--count", str(args.count), INNER, out_dir]
        # A fixed hash seed: dict probes depend on it, and runs are compared instruction by instruction.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=sys.stdout, stderr=subprocess.DEVNULL)
        totals = {}
        for dump in Path(out_dir).glob("cg.*.*"):
            text = dump.read_text(errors="replace")
            label = re.search(r"^desc: Trigger: Client Request: (\w+)|^desc: Trigger: dump (\w+)", text, re.M)
            found = re.search(r"^totals: (\d+)", text, re.M)
            if label and found:
                totals[label.group(1) or label.group(2)] = int(found.group(1))
    submit, time_ = totals["submit"] / args.count, totals["time"] / args.count
    print(f"submit: {submit / 1e6:.3f} M instructions per request")
    print(f"time:   {time_ / 1e6:.3f} M instructions per request")
    print(f"submit / time: {submit / time_:.2f}")


def _callgrind(*command: str) -> None:
    subprocess.run(["callgrind_control", *command, str(os.getpid())], check=True, capture_output=True)


def measure(args) -> None:
    """Inside callgrind: seed, warm up, then count the submits and the time requests apart."""
    app = make_app(args.database, args.redis or None)
    tokens, attempts = seed(app, args.count + 20)
    client = app.test_client()
    requests = [(f"/api/v1/attempts/{attempt_id}/submit", {"Authorization": f"Bearer {token}"}, answers)
                for token, (attempt_id, answers) in zip(tokens, attempts, strict=True)]
    for url, headers, answers in requests[:20]:  # warm up: caches, compiled statements
        assert client.post(url, headers=headers, json={"answers": answers, "prediction": 5}).status_code == 200
        assert client.get("/api/v1/time").status_code == 200
    # As a gunicorn worker does after loading the app (gunicorn.conf.py): what is loaded stays out of
    # the collector's reach, so that when a full collection falls does not move the count.
    gc.collect()
    gc.freeze()
    _callgrind("--instr=on")
    _callgrind("--zero")
    for url, headers, answers in requests[20:]:
        response = client.post(url, headers=headers, json={"answers": answers, "prediction": 5})
        assert response.status_code == 200, response.get_data(as_text=True)
    _callgrind("--dump=submit")
    for _ in range(args.count):
        client.get("/api/v1/time")
    _callgrind("--dump=time")


def make_app(database: str, redis: str | None):
    from app import create_app
    from app.core.extensions import db
    from config import Config

    class Bench(Config):
        SQLALCHEMY_DATABASE_URI = database
        REDIS_URL = redis
        RATELIMIT_STORAGE_URI = redis or "memory://"
        RATELIMIT_ENABLED = True
        CONTEST_SUBMIT_LIMIT = "100000 per minute"
        CONTEST_START_LIMIT = "100000 per minute"
        LOG_LEVEL = "WARNING"
        LOG_JSON = False
        PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # seeding only: no request here checks a password

    app = create_app(Bench)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if redis:
            app.extensions["redis"].flushdb()
    return app


def seed(app, n: int) -> tuple[list[str], list[tuple[int, dict]]]:
    """A contest with an open round of 30 questions and ``n`` participants, each with a token and
    an attempt in progress; returns the tokens and (attempt id, right answers) pairs."""
    from app.accounts.models import User
    from app.accounts.tokens import issue_token
    from app.contests import attempts, banks
    from app.contests.models import Contest, ContestRound
    from app.contests.service import register_entry
    from app.core.extensions import db
    from app.core.text import fold
    from app.core.types import utcnow
    from app.localities.models import Locality

    with app.app_context():
        banks.load_bank_files(ROOT / "quizzes")
        province = Locality(code="80", name="Tỉnh Thử", search_name="tinh thu", type="Tỉnh", path="/80/", depth=0)
        village = Locality(code="80001", name="Ấp 1", search_name="ap 1", type="Ấp", path="/80/80001/", depth=1,
                           parent=province)
        db.session.add_all([province, village])
        db.session.flush()
        now = utcnow()
        contest = Contest(slug="bench", title="Bench", groups=["citizen"], eligibility_id=province.id)
        db.session.add(contest)
        db.session.flush()
        round_ = ContestRound(contest_id=contest.id, number=1, opens_at=now - timedelta(days=1),
                              closes_at=now + timedelta(days=5), question_count=30,
                              draw={"banks": ["chuyen-doi-so"], "mix": {"1": 12, "2": 12, "3": 6}},
                              time_limit_seconds=900, attempts_allowed=1)
        db.session.add(round_)
        db.session.flush()
        tokens, started = [], []
        for i in range(n):
            name = f"Nguyễn Văn Số {i}"
            user = User(phone=f"07{i:08d}", full_name=name, search_name=fold(name), kind="citizen", locality=village)
            user.set_password("bench-pass-1")
            db.session.add(user)
            db.session.flush()
            register_entry(contest, user, "citizen", name, 1980, village)
            token, _row = issue_token(user)
            attempt = attempts.start_attempt(round_, user.id)
            tokens.append(token)
            started.append((attempt.id, {str(item["id"]): item["key"] for item in attempt.questions}))
        db.session.commit()
    return tokens, started


if __name__ == "__main__":
    main()
