"""Contest load benchmark: seeds a round with N best results across ~10,000 localities (COPY), starts
gunicorn on loopback (the deployed gunicorn.conf.py: gthread workers, rate limits on, Redis) against
PostgreSQL ``bench_contests`` and Redis db 10, and drives it with wrk (Debian package ``wrk``; a
Lua script replays prepared requests, each start and each submit sent once). Prints throughput and
p50/p95/p99 of: the trivial ``GET /api/v1/time`` (the ceiling; before 2026-11-22
the health endpoint, which also queries the database and pings Redis), starts, submits (30 answers and a
prediction each), top-100 and top-10 + own-rank board reads and the locality board; then checks
that no submit was lost or counted twice, times the locality-board recompute and finalize.

    .venv/bin/python -m bench.contests_load --n 100000
    .venv/bin/python -m bench.contests_load --n 1000000 --seconds 10 --submitters 8000

With ``--floor`` the submit phase runs twice more, against ``bench/submit_floor.py`` (the same
work without the framework), with and without evidence rows: give it ~14,000 submitters.

Never a test: it prints figures (recorded in docs/performance.md). Loopback only, bounded in count
and time.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "bench_contests"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
REDIS = "redis://127.0.0.1:6379/10"
SLUG = "bench"


def log(*args) -> None:
    print(*args, flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name: str, latencies: list[float], elapsed: float, errors: int = 0) -> None:
    ms = [x * 1000 for x in latencies]
    log(
        f"{name:<28} n={len(ms):>7}  {len(ms) / elapsed:8.1f}/s  p50={pct(ms, 50):7.2f} ms  "
        f"p95={pct(ms, 95):7.2f} ms  p99={pct(ms, 99):7.2f} ms  errors={errors}"
    )


def machine_gauge() -> float:
    """Seconds of CPU a fixed pure-Python loop takes (best of three): how fast this machine is
    right now. On the shared 2-core machine it moved from 0.21 to 0.42 s within one session, and
    every figure of a run moves with it, so each run prints it."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(3_000_000):
            total += i * i
        best = min(best, time.process_time() - started)
    return best


# --- database and seed --------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def make_app():
    os.environ["DATABASE_URL"] = PG + DB_NAME
    os.environ["REDIS_URL"] = REDIS
    from app import create_app
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = PG + DB_NAME
        REDIS_URL = REDIS
        RATELIMIT_ENABLED = False
        LOG_LEVEL = "WARNING"

    return create_app(BenchConfig)


def seed(app, n: int, submitters: int, rng: random.Random) -> dict:
    """Localities (~10k), a contest with an open round, N results, and submitters with tokens."""
    import psycopg

    from app.contests import banks
    from app.contests.models import Contest, ContestRound
    from app.core.extensions import db

    with app.app_context():
        db.create_all()
        app.extensions["redis"].flushdb()
        banks.load_bank_files(ROOT / "quizzes")
        db.session.commit()
    raw = (PG + DB_NAME).replace("+psycopg", "")
    started = time.perf_counter()
    localities = [(1, "80", "Tỉnh Thử", "Tỉnh", None, "/80/", 0, None)]
    villages = []
    next_id = 2
    for d in range(10):
        d_code = f"8{d:02d}"
        d_id = next_id
        next_id += 1
        localities.append((d_id, d_code, f"Huyện {d}", "Huyện", 1, f"/80/{d_code}/", 1, None))
        for c in range(100):
            c_code = f"{d_code}{c:02d}"
            c_id = next_id
            next_id += 1
            localities.append((c_id, c_code, f"Xã {d}-{c}", "Xã", d_id, f"/80/{d_code}/{c_code}/", 2, None))
            for v in range(9):
                v_code = f"{c_code}{v}"
                path = f"/80/{d_code}/{c_code}/{v_code}/"
                localities.append((next_id, v_code, f"Ấp {v}", "Ấp", c_id, path, 3, rng.randint(50, 400)))
                villages.append((next_id, path))
                next_id += 1
    now = datetime.now(UTC)
    with psycopg.connect(raw) as conn:
        with conn.cursor().copy(
            "COPY localities (id, code, name, search_name, type, parent_id, path, depth, "
            "headcount, is_demo) FROM STDIN"
        ) as copy:
            for lid, code, name, kind, parent, path, depth, head in localities:
                copy.write_row((lid, code, name, name.lower(), kind, parent, path, depth, head, False))
        conn.execute("SELECT setval('localities_id_seq', %s)", (next_id,))
        conn.commit()
    with app.app_context():
        contest = Contest(slug=SLUG, title="Bench", groups=["citizen"], eligibility_id=1)
        db.session.add(contest)
        db.session.flush()
        round_ = ContestRound(
            contest_id=contest.id,
            number=1,
            opens_at=now - timedelta(days=2),
            closes_at=now + timedelta(days=5),
            question_count=30,
            draw={"banks": ["chuyen-doi-so"], "mix": {"1": 12, "2": 12, "3": 6}},
            time_limit_seconds=900,
            attempts_allowed=1,
            grace_seconds=10,
            prizes=[{"label": "Nhất", "count": 1}, {"label": "Nhì", "count": 2}],
        )
        db.session.add(round_)
        db.session.commit()
        contest_id, round_id = contest.id, round_.id
    total_users = n + submitters
    tokens = []
    with psycopg.connect(raw) as conn:
        with conn.cursor().copy(
            "COPY users (id, phone, full_name, search_name, kind, is_assisted, active, "
            "session_version, is_demo, created_at, locality_id) FROM STDIN"
        ) as copy:
            for uid in range(1, total_users + 1):
                copy.write_row(
                    (
                        uid,
                        f"07{uid:08d}",
                        f"Nguyễn Văn Số {uid}",
                        "",
                        "citizen",
                        False,
                        True,
                        1,
                        False,
                        now,
                        villages[uid % len(villages)][0],
                    )
                )
        with conn.cursor().copy(
            "COPY contest_entries (id, contest_id, user_id, grp, full_name, phone, "
            "locality_id, registered_at) FROM STDIN"
        ) as copy:
            for uid in range(1, total_users + 1):
                copy.write_row(
                    (
                        uid,
                        contest_id,
                        uid,
                        "citizen",
                        f"Nguyễn Văn Số {uid}",
                        f"07{uid:08d}",
                        villages[uid % len(villages)][0],
                        now,
                    )
                )
        with conn.cursor().copy(
            "COPY contest_attempts (id, round_id, user_id, number, status, started_at, "
            "deadline, submitted_at, questions, answers, score, duration_ms) FROM STDIN"
        ) as copy:
            for uid in range(1, n + 1):
                copy.write_row((uid, round_id, uid, 1, "submitted", now, now, now, "[]", "{}", 0, 0))
        with conn.cursor().copy(
            "COPY contest_best_results (round_id, user_id, entry_id, attempt_id, grp, "
            "locality_id, locality_path, score, all_correct, duration_ms, submitted_s, "
            "submitted_at, prediction, voided) FROM STDIN"
        ) as copy:
            for uid in range(1, n + 1):
                vid, path = villages[uid % len(villages)]
                score = min(30, int(rng.betavariate(5, 2) * 31))
                copy.write_row(
                    (
                        round_id,
                        uid,
                        uid,
                        uid,
                        "citizen",
                        vid,
                        path,
                        score,
                        score == 30,
                        rng.randint(60_000, 900_000),
                        rng.randint(0, 170_000),
                        now,
                        rng.choice([None, rng.randint(0, 5000)]),
                        False,
                    )
                )
        for table in ("users", "contest_entries", "contest_attempts"):
            conn.execute(f"SELECT setval('{table}_id_seq', %s)", (total_users + 1,))
        with conn.cursor().copy(
            "COPY api_tokens (user_id, token_hash, created_at, expires_at) FROM STDIN"
        ) as copy:
            for uid in range(1, total_users + 1):
                if uid > n or uid % max(1, n // 2000) == 0:
                    token = f"bench-token-{uid}"
                    tokens.append((uid, token))
                    copy.write_row(
                        (uid, hashlib.sha256(token.encode()).hexdigest(), now, now + timedelta(days=1))
                    )
        conn.commit()
    # A province's database is vacuumed in steady state; without this, autovacuum of the freshly
    # loaded tables runs during the measured phases.
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    log(
        f"seeded {len(localities)} localities, {n} results, {submitters} submitters "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return {
        "round_id": round_id,
        "contest_id": contest_id,
        "submitters": [t for t in tokens if t[0] > n],
        "readers": [t for t in tokens if t[0] <= n],
    }


# --- gunicorn and the load generator ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int, workers: int, kind: str = "gthread", threads: int = 2, wsgi: str = "wsgi:app"
) -> subprocess.Popen:
    """gunicorn on loopback: the deployed gunicorn.conf.py (gthread, JSON access log) or sync workers.
    Rate limits stay on (Redis storage), as in production."""
    env = dict(
        os.environ,
        DATABASE_URL=PG + DB_NAME,
        REDIS_URL=REDIS,
        LOG_LEVEL="WARNING",
        APP_CONFIG="production",
        SECRET_KEY="bench",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    command = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
    if kind == "sync":
        command += ["-k", "sync"]
    proc = subprocess.Popen(
        [*command, "--log-level", "warning", wsgi],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


class Client:
    """One keep-alive HTTP/1.1 connection per thread."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 599, None, time.perf_counter() - t0
        return response.status, payload, time.perf_counter() - t0


def run_phase(port: int, threads: int, seconds: float, max_requests: int, work) -> tuple[list, int, float]:
    """Run ``work(client, i)`` -> (ok, latency) from ``threads`` threads until time or count runs out."""
    latencies: list[float] = []
    errors = [0]
    counter = iter(range(max_requests))
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        client = Client(port)
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            result = work(client, i)
            if result is None:
                return
            ok, latency = result
            with lock:
                if ok:
                    latencies.append(latency)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors[0], time.perf_counter() - started


WRK_SCRIPT = r"""
-- Each wrk thread replays its own file of requests (method, path, bearer token, JSON body,
-- tab-separated); with cycle=0 a thread stops when its requests run out (each submit is sent once).
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  prefix, cycle = args[1], args[2] == "1"
  reqs = {}
  for line in io.lines(prefix .. "." .. id) do
    local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S*)\t(.*)$")
    local headers = {["Content-Type"] = "application/json"}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body == "" then body = nil end
    table.insert(reqs, wrk.format(method, path, headers, body))
  end
  n, ok, bad, sent = 0, 0, 0, 0
end
function request()
  n = n + 1
  if n > #reqs then
    if cycle then n = 1 else wrk.thread:stop() return reqs[#reqs] end
  end
  sent = sent + 1
  return reqs[n]
end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("WRK %d %d %d %.3f %.3f %.3f %.3f %d\n", total_ok, total_bad,
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def cpu_seconds(server_pgid: int) -> dict[str, float]:
    """CPU seconds used so far by the app (gunicorn's process group), PostgreSQL and Redis, read
    from /proc, and by the children this process waited for (wrk)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {"app": 0.0, "PostgreSQL": 0.0, "Redis": 0.0}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # the process has just ended
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        group = (
            "app" if int(fields[2]) == server_pgid
            else "PostgreSQL" if name.startswith("postgres")
            else "Redis" if name.startswith("redis")
            else None
        )
        if group:
            used[group] += (int(fields[11]) + int(fields[12])) / ticks
    times = os.times()
    used["wrk"] = times.children_user + times.children_system
    # The whole machine (/proc/stat): what nothing above used is "other" (the kernel, the
    # benchmark itself, anything else); "steal" is time the hypervisor gave to other machines.
    cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    used["machine"] = (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]) / ticks
    used["steal"] = cpu[7] / ticks
    return used


def wrk_phase(
    name: str, port: int, lines: list[str], connections: int, seconds: float, cycle: bool,
    cpu_of: int | None = None,
) -> dict:
    """Drive ``lines`` ("METHOD\tpath\ttoken\tbody") through wrk (C, two threads, keep-alive) and
    print throughput and latency percentiles; with ``cpu_of`` (gunicorn's process group), also the
    CPU each part of the machine spent per request. Returns the counts."""
    import tempfile

    threads = 2
    if len(lines) < threads:
        lines = lines * threads
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "replay.lua"
        script.write_text(WRK_SCRIPT)
        for t in range(threads):
            Path(tmp, f"req.{t}").write_text("\n".join(lines[t::threads]) + "\n")
        before = cpu_seconds(cpu_of) if cpu_of else None
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
             "-s", str(script), f"http://127.0.0.1:{port}/", "--", str(Path(tmp) / "req"),
             "1" if cycle else "0"],
            capture_output=True, text=True,
        )
        if out.returncode != 0:
            raise SystemExit(f"wrk failed: {out.stdout}{out.stderr}")
        out = out.stdout
    fields = next(line for line in out.splitlines() if line.startswith("WRK ")).split()
    ok, bad, total, elapsed = int(fields[1]), int(fields[2]), int(fields[3]), float(fields[4])
    if not cycle and total >= len(lines) - connections:
        name += " [ran out early: rate understated]"
    p50, p95, p99, socket_errors = float(fields[5]), float(fields[6]), float(fields[7]), int(fields[8])
    log(
        f"{name:<28} n={total:>7}  {total / elapsed:8.1f}/s  p50={p50:7.2f} ms  p95={p95:7.2f} ms  "
        f"p99={p99:7.2f} ms  non-2xx={bad}  socket errors={socket_errors}  (wrk, {connections} connections)"
    )
    if before is not None:
        after = cpu_seconds(cpu_of)
        spent = {group: after[group] - before[group] for group in before}
        machine, steal = spent.pop("machine"), spent.pop("steal")
        spent["other"] = max(0.0, machine - sum(spent.values()))
        log(
            f"{'':<28} CPU per request: "
            + "  ".join(f"{group} {seconds * 1000 / max(total, 1):.2f} ms" for group, seconds in spent.items())
            + f"  (all: {machine * 1000 / max(total, 1):.2f} ms; {machine / elapsed:.2f} of "
            + f"{os.cpu_count()} cores busy, {steal / elapsed:.2f} stolen by the hypervisor)"
        )
    result = {"ok": ok, "bad": bad, "total": total, "elapsed": elapsed, "rate": total / elapsed, "p95": p95}
    RESULTS.setdefault((name, connections), result)
    return result


# Every wrk phase of the run, by (name, connections): the ratios at the end compare each to the
# trivial endpoint measured in the same run, at the same concurrency (the machine's speed varies
# 2x between sessions; the ratios much less).
RESULTS: dict[tuple[str, int], dict] = {}


def print_ratios() -> None:
    """Each phase's throughput and p95 as ratios to the ceiling (GET /api/v1/time) at the same
    number of connections: throughput ÷ ceiling throughput (higher is better), p95 ÷ ceiling p95
    (lower is better)."""
    ceilings = {conn: r for (name, conn), r in RESULTS.items() if name.startswith("ceiling")}
    log("ratios to the ceiling GET /api/v1/time measured in this run, at the same connections:")
    for (name, conn), r in RESULTS.items():
        ceiling = ceilings.get(conn)
        if name.startswith("ceiling") or ceiling is None:
            continue
        log(f"  {name:<34} throughput {r['rate'] / ceiling['rate']:6.3f}   p95 {r['p95'] / ceiling['p95']:7.2f}"
            f"   ({conn} connections)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="best results seeded")
    parser.add_argument(
        "--submitters", type=int, default=6000, help="fresh participants who start and submit"
    )
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument(
        "--server", choices=["gthread", "sync"], default="gthread",
        help="gunicorn worker class (gthread = gunicorn.conf.py, as deployed)",
    )
    parser.add_argument("--server-threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="after the product's submit phase, the same work framework-free (bench/submit_floor.py)",
    )
    parser.add_argument("--threads", type=int, default=16, help="warm-up threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (writes, ceiling)")
    parser.add_argument("--read-connections", type=int, default=4, help="wrk connections (board reads)")
    parser.add_argument("--seconds", type=float, default=20, help="time bound of each phase")
    parser.add_argument(
        "--finalize-only",
        action="store_true",
        help="only time finalize on the round of an already seeded bench_contests database",
    )
    args = parser.parse_args()
    if args.finalize_only:
        finalize_only()
        return
    rng = random.Random(4)
    log(f"machine gauge: a 3M-step Python loop takes {machine_gauge():.3f} s of CPU (lower is faster)")
    recreate_database()
    app = make_app()
    data = seed(app, args.n, args.submitters, rng)

    from app.contests import boards
    from app.contests.models import ContestRound
    from app.core.extensions import db
    from app.localities.models import Locality

    with app.app_context():
        round_ = db.session.get(ContestRound, data["round_id"])
        t0 = time.perf_counter()
        written = boards.rebuild_boards([round_])  # the locality tallies too
        db.session.commit()
        log(f"rebuild-boards (tallies, and Redis from SQL): {written} entries in {time.perf_counter() - t0:.2f} s")

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    port = free_port()
    server = start_server(port, args.workers, args.server, args.server_threads)
    fresh = [uid for uid, _t in data["submitters"]]
    try:
        base = f"/api/v1/contests/{SLUG}/rounds/1"
        # Warm-up (not measured): every worker imports, connects and compiles its statements.
        run_phase(port, args.threads, 3, 2_000, lambda c, i: (True, c.call("GET", "/api/v1/health")[2]))
        run_phase(
            port, args.threads, 3, 2_000,
            lambda c, i: (True, c.call("GET", f"{base}/leaderboard?limit=100", data["readers"][0][1])[2]),
        )
        # The ceiling: the server's trivial JSON endpoint (the clock; no database, no Redis).
        trivial = ["GET\t/api/v1/time\t\t"]
        wrk_phase("ceiling GET /api/v1/time", port, trivial, args.connections, args.seconds, True, server.pid)
        wrk_phase("ceiling GET /api/v1/time", port, trivial, args.read_connections, args.seconds, True)

        # Starting: every fresh participant starts once (no request repeated).
        starts = [f"POST\t{base}/attempts\t{token}\t" for _uid, token in data["submitters"]]
        wrk_phase("start attempt (POST)", port, starts, args.connections, args.seconds, False, server.pid)
        # The rest start too (not measured), so that the submit phase cannot run out of attempts
        # before its time is up: wrk divides by the phase's whole duration, so a phase that runs
        # out early understates its rate (before 2026-11-22 the submit rate was capped this way by
        # the number of attempts the start phase had opened).
        with app.app_context():
            from sqlalchemy import select

            from app.contests.models import ContestAttempt

            started = set(db.session.scalars(select(ContestAttempt.user_id).where(ContestAttempt.user_id.in_(fresh))))
            db.session.rollback()
        rest = [f"POST\t{base}/attempts\t{token}\t" for uid, token in data["submitters"] if uid not in started]
        if rest:
            wrk_phase("start attempt, the rest", port, rest, args.connections, len(rest) / 170 + 3, False)
        # Submitting: each started attempt once, 30 answers and a prediction.
        submit_phase(app, data, args, port, server.pid, rng, "submit (POST)")
        if args.floor:
            # The same work without the framework (bench/submit_floor.py), on attempts still open.
            floor_port = free_port()
            floor = start_server(floor_port, args.workers, args.server, args.server_threads, FLOOR_APP)
            try:
                submit_phase(app, data, args, floor_port, floor.pid, rng, "submit, framework-free floor")
                os.environ["FLOOR_EVIDENCE"] = "off"
                bare_port = free_port()
                floor_bare = start_server(bare_port, args.workers, args.server, args.server_threads, FLOOR_APP)
                try:
                    submit_phase(app, data, args, bare_port, floor_bare.pid, rng, "floor without evidence rows")
                finally:
                    os.environ.pop("FLOOR_EVIDENCE")
                    os.killpg(floor_bare.pid, signal.SIGTERM)
                    floor_bare.wait(timeout=30)
            finally:
                os.killpg(floor.pid, signal.SIGTERM)
                floor.wait(timeout=30)

        readers = data["readers"]
        wrk_phase("top-100 board (GET)", port, [f"GET\t{base}/leaderboard?limit=100&offset=0\t\t"],
                  args.read_connections, args.seconds, True, server.pid)
        own = [f"GET\t{base}/leaderboard?limit=10\t{token}\t" for _uid, token in readers]
        # Each reader's first read checks the token in SQL (and shares it through Redis for
        # TOKEN_READ_CACHE_SECONDS); a reader who comes back within that time needs no SQL.
        wrk_phase("top-10 + own rank, 1st read", port, own, args.read_connections, args.seconds, False, server.pid)
        wrk_phase("top-10 + own rank (GET)", port, own, args.read_connections, args.seconds, True, server.pid)
        wrk_phase("locality board (GET)", port, [f"GET\t{base}/localities?parent=80\t\t"],
                  args.read_connections, args.seconds, True, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    with app.app_context():

        province = db.session.scalar(select(Locality).where(Locality.code == "80"))
        round_ = db.session.get(ContestRound, data["round_id"])
        district = db.session.scalar(select(Locality).where(Locality.code == "800"))
        for label, parent in (("province, 10 districts", province), ("district, 100 communes", district)):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                boards.locality_board(round_, parent)
                times.append((time.perf_counter() - t0) * 1000)
            log(f"locality board recompute ({label}): " + " / ".join(f"{t:.0f}" for t in times) + " ms")
        round_.closes_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
        # The attempts started but not submitted in the time of the submit phase are abandoned:
        # closed as expired (what `flask contests expire-overdue` does from cron while a round runs)
        # and timed apart from finalize, which would otherwise close them first.
        from app.contests.attempts import expire_overdue

        t0, expired = time.perf_counter(), 0
        while closed := expire_overdue(round_, datetime.now(UTC) + timedelta(days=1), limit=500):
            db.session.commit()
            expired += closed
        took = time.perf_counter() - t0
        log(f"expire abandoned attempts: {expired} in {took:.2f} s ({took * 1000 / max(expired, 1):.2f} ms each)")
        time_finalize(data["round_id"])
    print_ratios()
    log(f"machine gauge at the end: {machine_gauge():.3f} s")
    log("done")


FLOOR_APP = "bench.submit_floor:application"


def submit_phase(app, data: dict, args, port: int, server_pid: int, rng, label: str) -> None:
    """Submit every attempt of the fresh participants still open, each once (30 answers and a
    prediction), through wrk against the server on ``port``; then wait for the counts to settle
    and check that none was lost or counted twice (SQL and Redis)."""
    from sqlalchemy import func, select

    from app.contests import boards
    from app.contests.models import ContestAttempt, ContestBestResult
    from app.core.extensions import db

    fresh = [uid for uid, _t in data["submitters"]]
    with app.app_context():
        before = db.session.scalar(
            select(func.count())
            .select_from(ContestAttempt)
            .where(ContestAttempt.user_id.in_(fresh), ContestAttempt.status == "submitted")
        )
        tokens = dict(data["submitters"])
        submits = []
        for attempt_id, user_id, questions in db.session.execute(
            select(ContestAttempt.id, ContestAttempt.user_id, ContestAttempt.questions).where(
                ContestAttempt.user_id.in_(fresh), ContestAttempt.status == "open"
            )
        ):
            answers = {str(q["id"]): [rng.choice(q.get("tokens") or q["order"])] for q in questions}
            body = json.dumps({"answers": answers, "prediction": rng.randint(0, 3000)})
            submits.append(f"POST\t/api/v1/attempts/{attempt_id}/submit\t{tokens[user_id]}\t{body}")
        db.session.rollback()
    done = wrk_phase(label, port, submits, args.connections, args.seconds, False, server_pid)
    # wrk stops at its time limit with up to one request per connection in flight: those are
    # processed by the server but never read. Wait until the counts stop moving, then check.
    previous = None
    while True:
        time.sleep(1)
        with app.app_context():
            best = db.session.scalar(
                select(func.count())
                .select_from(ContestBestResult)
                .where(ContestBestResult.user_id.in_(fresh))
            )
            submitted = db.session.scalar(
                select(func.count())
                .select_from(ContestAttempt)
                .where(ContestAttempt.user_id.in_(fresh), ContestAttempt.status == "submitted")
            )
            zcard = app.extensions["redis"].zcard(boards.RedisBoard.key(data["round_id"], "citizen"))
            total = db.session.scalar(
                select(func.count())
                .select_from(ContestBestResult)
                .where(ContestBestResult.round_id == data["round_id"])
            )
        if (best, submitted, zcard) == previous:
            break
        previous = (best, submitted, zcard)
    consistent = (
        best == submitted
        and done["ok"] <= submitted - before <= done["ok"] + args.connections
        and zcard == total
        and done["bad"] == 0
    )
    log(
        f"submits acknowledged={done['ok']} (+ at most {args.connections} in flight at the time limit)  "
        f"submitted attempts={submitted - before} (of {submitted})  best-result rows={best}  "
        f"redis members={zcard} / SQL rows={total}  -> "
        f"{'none lost or double-counted' if consistent else 'MISMATCH'}"
    )


def time_finalize(round_id: int, times: int = 1) -> None:
    """Finalize the round ``times`` times (the first run writes, later ones replace) and print each."""
    from app.contests import service as contest_service
    from app.contests.models import ContestRound
    from app.core.extensions import db

    for i in range(times):
        round_ = db.session.get(ContestRound, round_id)
        t0 = time.perf_counter()
        ranked = contest_service.finalize_round(round_)
        db.session.commit()
        label = "finalize" if i == 0 else "re-finalize"
        log(f"{label}: {ranked} results ranked and prizes marked in {time.perf_counter() - t0:.2f} s")
        db.session.expire_all()


def finalize_only() -> None:
    """Reuse the seeded bench_contests database: bring its schema to the current models (new
    tables; the best-result columns the models no longer have are dropped, as the migration does),
    close the round, empty the final ranks, and time finalize twice (a first finalize, then a
    re-finalize, which deletes the million ranks it replaces in the same transaction)."""
    from sqlalchemy import select, text

    from app.contests.models import ContestRound
    from app.core.extensions import db

    app = make_app()
    with app.app_context():
        partitioned = db.session.scalar(
            text("SELECT relkind = 'p' FROM pg_class WHERE relname = 'contest_final_ranks'")
        )
        if partitioned is False:  # seeded before migration 0009: recreate it partitioned
            db.session.execute(text("DROP TABLE contest_final_ranks"))
            db.session.commit()
        db.create_all()
        db.session.execute(
            text(
                "ALTER TABLE contest_best_results DROP COLUMN IF EXISTS final_rank, "
                "DROP COLUMN IF EXISTS prize"
            )
        )
        db.session.commit()
        round_ = db.session.scalar(select(ContestRound).order_by(ContestRound.id))
        if round_ is None:
            raise SystemExit("bench_contests has no round: run the full benchmark once first")
        round_.closes_at = datetime.now(UTC) - timedelta(seconds=1)
        round_.finalized_at = None
        db.session.commit()
        round_id = round_.id
        # A genuine first finalize: no earlier ranks, no dead rows left by an earlier run.
        db.session.execute(text("DELETE FROM contest_final_ranks"))
        db.session.commit()
    import psycopg

    with psycopg.connect((PG + DB_NAME).replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE contest_best_results")
        conn.execute("CHECKPOINT")
    with app.app_context():
        time_finalize(round_id, times=2)
    log("done")


if __name__ == "__main__":
    sys.exit(main())
