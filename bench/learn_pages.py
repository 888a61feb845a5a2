"""Benchmark: server time of a lesson step page and of the catalogue (issue 3), plus page weight.

Loads the shipped courses/ into a fresh database, then times requests through the test client
(routing, SQL, rendering) for an anonymous visitor and for a logged-in learner with progress.

    .venv/bin/python -m bench.learn_pages [--requests 200] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEP = "/learn/thu-tuc-cho-tre-moi-sinh/lien-thong-khai-sinh/step/4"


def _time(client, url: str, n: int) -> tuple[float, float, int]:
    client.get(url)  # warm caches (templates, Markdown)
    samples = []
    size = 0
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cds-learn-"))

    from app import create_app
    from app.accounts.models import User
    from app.core.extensions import db
    from app.core.text import fold
    from app.learn.content import load_content
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        UPLOAD_DIR = tmp / "uploads"

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_content(ROOT / "courses")
        user = User(phone="0912000111", full_name="Người Học", search_name=fold("Người Học"))
        user.set_password("bench-pass-1")
        db.session.add(user)
        db.session.commit()
        backend = db.engine.dialect.name

    anonymous = app.test_client()
    learner = app.test_client()
    learner.post("/auth/login", data={"login": "0912000111", "password": "bench-pass-1"})
    for number in (1, 2, 3):
        learner.post(STEP.replace("/4", f"/{number}"))

    static = ROOT / "app" / "core" / "static"
    assets = sum((static / "css" / n).stat().st_size for n in ("app.css", "learn.css"))
    assets += sum(p.stat().st_size for p in (static / "js").glob("learn*.js"))
    print(f"backend={backend} requests={args.requests} (median / p95 server time, HTML size)")
    for label, client, url in (
        ("step page, anonymous", anonymous, STEP),
        ("step page, learner", learner, STEP),
        ("catalogue", anonymous, "/learn/"),
        ("catalogue search", anonymous, "/learn/?q=dang+ky+khai+sinh"),
        ("catalogue, learner", learner, "/learn/"),
    ):
        median, p95, size = _time(client, url, args.requests)
        print(f"{label:24} {median:7.2f} ms  {p95:7.2f} ms  {size / 1024:5.1f} KB HTML")
    _m, _p, html = _time(anonymous, STEP, 1)
    print(f"step page weight: HTML {html / 1024:.1f} KB + CSS/JS {assets / 1024:.1f} KB "
          f"= {(html + assets) / 1024:.1f} KB (image aside; target < 50 KB)")


if __name__ == "__main__":
    main()
