"""Benchmark: a province dashboard over 1,000,000 citizens in 10,000 localities.

Generates a province → 100 districts → 1,000 communes → 8,899 villages tree (10,000 units), a
million citizens spread over the villages with competency levels and lesson progress, refreshes
the pre-aggregated figures (``flask reports refresh --full``), then times the province dashboard
page end to end (HTTP request through the test client: SQL aggregates + rendering) and its chart.

Freshness (issue 17): one event (a lesson completed) followed by ``flask reports tick`` (what cron
runs every minute), then a minute of events at 200 per second (12,000 lessons completed and
contest answers by people all over the province) and the tick that brings the figures up to them.
The tick must take well under a minute (it keeps up) and an event reaches the figures within the
cron minute plus the tick. Every figure is also printed as a ratio to a trivial endpoint
(GET /api/v1/time) measured in the same run, so runs on differently loaded machines compare.

    .venv/bin/python -m bench.insights_dashboard [--citizens 1000000] [--events-per-second 200]
        [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--events-per-second", type=int, default=200)
    parser.add_argument("--reuse", action="store_true",
                        help="use the data already in --database-url (from an earlier run) as it is")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cds-insights-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"

    from sqlalchemy import insert, select

    from app import create_app
    from app.accounts.models import RoleGrant, User
    from app.competency import reports
    from app.competency.models import CompetenceLevel, PersonLevel
    from app.core.extensions import db
    from app.learn.models import Course, Lesson, LessonProgress
    from app.localities.models import Locality
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    rng = random.Random(5)
    with app.app_context():
        if not args.reuse:
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            units = [
                {
                    "id": 1,
                    "code": "70",
                    "name": "Tỉnh",
                    "search_name": "tinh",
                    "type": "Tỉnh",
                    "parent_id": None,
                    "path": "/70/",
                    "depth": 0,
                }
            ]
            villages = []
            next_id = 2
            for d in range(100):
                d_code = f"7{d:03d}"
                d_id = next_id
                next_id += 1
                units.append(
                    {
                        "id": d_id,
                        "code": d_code,
                        "name": f"Huyện {d}",
                        "search_name": f"huyen {d}",
                        "type": "Huyện",
                        "parent_id": 1,
                        "path": f"/70/{d_code}/",
                        "depth": 1,
                    }
                )
                for c in range(10):
                    c_code = f"{d_code}{c:02d}"
                    c_id = next_id
                    next_id += 1
                    units.append(
                        {
                            "id": c_id,
                            "code": c_code,
                            "name": f"Xã {c_code}",
                            "search_name": c_code,
                            "type": "Xã",
                            "parent_id": d_id,
                            "path": f"/70/{d_code}/{c_code}/",
                            "depth": 2,
                        }
                    )
                    for v in range(9 if len(units) < 10_000 - 8 else 8):
                        if len(units) >= 10_000:
                            break
                        v_code = f"{c_code}{v:02d}"
                        units.append(
                            {
                                "id": next_id,
                                "code": v_code,
                                "name": f"Thôn {v}",
                                "search_name": v_code,
                                "type": "Thôn",
                                "parent_id": c_id,
                                "path": f"/70/{d_code}/{c_code}/{v_code}/",
                                "depth": 3,
                            }
                        )
                        villages.append(next_id)
                        next_id += 1
            db.session.execute(insert(Locality), units)
            course = Course(
                slug="dvc",
                title="Dịch vụ công",
                lessons=[Lesson(slug=f"l{n}", title=f"Bài {n}") for n in range(5)],
            )
            db.session.add(course)
            db.session.commit()
            lesson_ids = [lesson.id for lesson in course.lessons]
            now = datetime(2025, 6, 1, tzinfo=UTC)
            batch = 50_000
            for start in range(0, args.citizens, batch):
                users, levels, comps, progress = [], [], [], []
                for n in range(start, min(start + batch, args.citizens)):
                    uid = n + 1
                    users.append(
                        {
                            "id": uid,
                            "phone": f"09{n:08d}",
                            "full_name": "Người dân",
                            "search_name": "nguoi dan",
                            "kind": "citizen",
                            "locality_id": rng.choice(villages),
                            "active": True,
                            "is_assisted": False,
                            "session_version": 1,
                            "is_demo": False,
                            "created_at": now,
                        }
                    )
                    level = rng.choice((0, 0, 1, 2, 3, 4, 5))
                    if level:
                        levels.append({"user_id": uid, "level": level, "updated_at": now})
                        for area in rng.sample(("0", "1", "2", "4"), 2):
                            comps.append(
                                {
                                    "user_id": uid,
                                    "competence_code": f"{area}.1",
                                    "area_code": area,
                                    "level": level,
                                    "updated_at": now,
                                }
                            )
                    if rng.random() < 0.3:
                        progress.append(
                            {
                                "user_id": uid,
                                "lesson_id": rng.choice(lesson_ids),
                                "started_at": now,
                                "updated_at": now,
                                "completed_at": now - timedelta(days=rng.randint(0, 80)),
                            }
                        )
                for model, rows in (
                    (User, users),
                    (PersonLevel, levels),
                    (CompetenceLevel, comps),
                    (LessonProgress, progress),
                ):
                    if rows:
                        db.session.execute(insert(model), rows)
                db.session.commit()
            print(
                f"generated {len(units)} localities and {args.citizens} citizens in "
                f"{time.perf_counter() - started:.0f} s ({db.engine.dialect.name})"
            )
            started = time.perf_counter()
            run = reports.refresh_reports(full=True)
            db.session.commit()
            print(
                f"full refresh (levels from evidence + figures of {run.localities} units): "
                f"{time.perf_counter() - started:.1f} s"
            )
            manager = User(phone="0999999999", full_name="Lãnh đạo", search_name="lanh dao", kind="citizen")
            manager.set_password("bench-pass-1")
            db.session.add(manager)
            db.session.flush()
            db.session.add(RoleGrant(user_id=manager.id, role="manager", locality_id=1))
            db.session.commit()
        else:  # the data of an earlier run (--database-url of a kept file): no generation, no full refresh
            villages = list(db.session.scalars(select(Locality.id).where(Locality.depth == 3)))
            lesson_ids = list(db.session.scalars(select(Lesson.id)))
            print(f"reused {len(villages)} villages and {args.citizens} citizens ({db.engine.dialect.name})")
    client = app.test_client()
    client.post("/auth/login", data={"login": "0999999999", "password": "bench-pass-1"})
    from app.competency import charts

    medians: dict[str, float] = {}

    def timed(url_path: str, runs: int = 5, clear: bool = True) -> None:
        if clear:
            charts.memory_cache.clear()  # the first chart request draws, the next ones hit the cache
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url_path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        first, rest = timings[0], sorted(timings[1:])
        medians[url_path] = rest[len(rest) // 2]
        print(
            f"GET {url_path}: first {first * 1000:.0f} ms; then median {rest[len(rest) // 2] * 1000:.1f} ms, "
            f"best {rest[0] * 1000:.0f} ms, worst {rest[-1] * 1000:.0f} ms"
        )

    timed("/api/v1/time", runs=21, clear=False)
    for url_path in (
        "/insights/unit/70",
        "/insights/unit/7000",
        "/insights/unit/70/chart/bars.png",
        "/insights/unit/70/chart/bars.svg",
        "/insights/unit/70/chart/heatmap.png",
        "/insights/unit/70/export/children.xlsx",
    ):
        timed(url_path)
    print(f"chart cache: {charts.stats['misses']} drawn, {charts.stats['hits']} from the cache "
          f"({'Redis' if app.extensions.get('redis') is not None else 'in-process LRU'})")
    ticks = freshness(app, args.citizens, villages, lesson_ids, args.events_per_second)
    trivial = medians["/api/v1/time"]
    print(f"ratios to GET /api/v1/time (median {trivial * 1000:.2f} ms in this run):")
    for url_path, median in medians.items():
        if url_path != "/api/v1/time":
            print(f"  GET {url_path:<40} {median / trivial:8.1f}")
    for name, seconds in ticks.items():
        print(f"  {name:<44} {seconds / trivial:8.0f}")


def freshness(app, citizens: int, villages: list[int], lesson_ids: list[int], per_second: int) -> dict:
    """One event, then a minute of events at ``per_second``, each followed by the tick cron runs."""
    from sqlalchemy import func, insert, select

    from app.accounts.models import User
    from app.competency import reports
    from app.competency.models import Evidence
    from app.core.extensions import db
    from app.core.types import utcnow
    from app.learn.models import LessonProgress

    rng = random.Random(17)
    results = {}
    with app.app_context():
        reports.tick()  # the figures are as of now: the next tick sees only what follows
        db.session.commit()
        lesson = rng.choice(lesson_ids)
        uid = rng.randrange(1, citizens + 1)
        taken = select(LessonProgress.id).where(LessonProgress.user_id == uid, LessonProgress.lesson_id == lesson)
        while db.session.scalar(taken) is not None:
            uid = rng.randrange(1, citizens + 1)
            taken = select(LessonProgress.id).where(LessonProgress.user_id == uid, LessonProgress.lesson_id == lesson)
        before = reports.unit_totals("/70/")["lessons_completed"]
        now = utcnow()
        db.session.add(LessonProgress(user_id=uid, lesson_id=lesson, started_at=now, updated_at=now,
                                      completed_at=now))
        db.session.commit()
        started = time.perf_counter()
        done = reports.tick()
        db.session.commit()
        results["tick after one event"] = time.perf_counter() - started
        after = reports.unit_totals("/70/")["lessons_completed"]
        print(f"one event → tick: {results['tick after one event'] * 1000:.0f} ms, {done.run.localities} unit(s) "
              f"recomputed; province lessons completed {before} → {after}")
        count = per_second * 60
        now = utcnow()
        tag = now.strftime("%Y%m%d%H%M%S")  # a rerun (--reuse) records new answers
        people = rng.sample(range(1, citizens + 1), min(count, citizens))
        progress, evidence = [], []
        for n, person in enumerate(people):
            at = now - timedelta(seconds=60) + timedelta(seconds=n / per_second)
            if n % 2:
                progress.append({"user_id": person, "lesson_id": rng.choice(lesson_ids), "started_at": at,
                                 "updated_at": at, "completed_at": at})
            else:
                evidence.append({"user_id": person, "competence_code": "2.3", "source": "contest",
                                 "ref": f"bench-{tag}-{n}", "success": True, "difficulty": 1.0, "occurred_at": at})
        have = set(db.session.execute(select(LessonProgress.user_id, LessonProgress.lesson_id)).all())
        progress = [p for p in progress if (p["user_id"], p["lesson_id"]) not in have]
        if progress:
            db.session.execute(insert(LessonProgress), progress)
        db.session.execute(insert(Evidence), evidence)
        db.session.commit()
        touched = db.session.scalar(select(func.count(func.distinct(User.locality_id))).where(User.id.in_(people)))
        started = time.perf_counter()
        done = reports.tick()
        db.session.commit()
        results[f"tick after {count} events (60 s at {per_second}/s)"] = took = time.perf_counter() - started
        # An event just after a tick's as-of time waits for the next tick to start (cron's next
        # minute, or the end of the running tick when ticks take longer: flock -n) and to finish.
        worst = (60 if took < 60 else took) + took
        print(f"{len(progress) + len(evidence)} events in the last minute over {touched} villages → tick: "
              f"{took:.1f} s, {done.run.localities} units recomputed "
              f"({'keeps up: under' if took < 60 else 'falls behind: over'} the 60 s between two ticks); "
              f"an event reaches the figures within {worst:.0f} s at this rate")
    return results


if __name__ == "__main__":
    main()
