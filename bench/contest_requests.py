"""In-process cost of one contest start and one submit (Flask test client, one request at a time)
on the database the load benchmark seeded (``bench_contests``): median wall time and CPU time.

    .venv/bin/python -m bench.contests_load --n 1000000      # once, to seed
    .venv/bin/python -m bench.contest_requests --count 300

It reopens the bench round for a week and uses fresh participants who have not started yet.
Prints figures; never a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.contests_load import log, make_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="start + submit pairs (first 50 warm up)")
    args = parser.parse_args()
    app = make_app()
    from sqlalchemy import text

    from app.core.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE contest_rounds SET closes_at = now() + interval '7 days', "
                                "finalized_at = NULL"))
        db.session.commit()
        users = list(db.session.scalars(text(
            "SELECT t.user_id FROM api_tokens t WHERE NOT EXISTS (SELECT 1 FROM contest_attempts a "
            "WHERE a.user_id = t.user_id) ORDER BY 1 LIMIT :n"), {"n": args.count}))
    if len(users) < args.count:
        raise SystemExit(f"only {len(users)} fresh participants left: seed again")
    client = app.test_client()
    timings: dict[str, list[float]] = {"start wall": [], "start cpu": [], "submit wall": [], "submit cpu": []}
    for uid in users:
        headers = {"Authorization": f"Bearer bench-token-{uid}"}
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post("/api/v1/contests/bench/rounds/1/attempts", headers=headers)
        timings["start wall"].append(time.perf_counter() - wall)
        timings["start cpu"].append(time.process_time() - cpu)
        attempt = response.get_json()
        answers = {str(q["id"]): [q["options"][0]["value"]] for q in attempt["questions"]}
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=headers,
                               json={"answers": answers, "prediction": 5})
        timings["submit wall"].append(time.perf_counter() - wall)
        timings["submit cpu"].append(time.process_time() - cpu)
        if response.status_code != 200:
            raise SystemExit(f"submit failed: {response.status_code} {response.data[:200]}")
    for name, values in timings.items():
        log(f"{name:<12} median {statistics.median(values[50:]) * 1000:6.2f} ms over {len(values) - 50} requests")


if __name__ == "__main__":
    main()
