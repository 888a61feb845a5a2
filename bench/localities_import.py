"""Benchmark: import Vietnam's full pre-reform locality list (target: under 30 s).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python -m bench.localities_import [--postgres URL]

Runs the same service as `flask localities import` on a fresh database: first import (all
inserts), then a re-import of the same file (nothing changes) and one that renames every commune.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from app import create_app
from app.core.extensions import db
from app.core.tabular import read_table
from app.localities import service as localities
from bench.vn_admin_data import write_legacy_csv
from config import Config


def run(url: str) -> None:
    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        LOG_LEVEL = "WARNING"
        REDIS_URL = None

    tmp = Path(tempfile.mkdtemp())
    csv_path = tmp / "vietnam-legacy.csv"
    n = write_legacy_csv(csv_path)
    app = create_app(BenchConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
        for label, path in (("first import", csv_path), ("same file again", csv_path)):
            start = time.perf_counter()
            table = read_table(path, path.name, localities.IMPORT_COLUMNS)
            report = localities.import_localities(table)
            db.session.commit()
            elapsed = time.perf_counter() - start
            print(f"{db.engine.dialect.name:10s} {label:18s} {n:6d} rows  {elapsed:6.2f} s  "
                  f"created={report.created} updated={report.updated} unchanged={report.unchanged}")
        # Every district moves to another province: paths of the whole tree are rewritten.
        moved = tmp / "moved.csv"
        lines = csv_path.read_text(encoding="utf-8").splitlines()
        out = [lines[0]]
        for line in lines[1:]:
            code, name, kind, parent = line.rsplit(",", 3)[0], *line.rsplit(",", 3)[1:]
            if len(code) == 3:  # districts
                parent = "01" if parent != "01" else "79"
            out.append(",".join([code, name, kind, parent]))
        moved.write_text("\n".join(out) + "\n", encoding="utf-8")
        start = time.perf_counter()
        report = localities.import_localities(read_table(moved, moved.name, localities.IMPORT_COLUMNS))
        db.session.commit()
        print(f"{db.engine.dialect.name:10s} {'re-parent all':18s} {n:6d} rows  "
              f"{time.perf_counter() - start:6.2f} s  ok={report.ok}")
        from sqlalchemy import func, select

        from app.localities.models import Locality

        depth = db.session.execute(select(Locality.depth, func.count()).group_by(Locality.depth)).all()
        print(f"{db.engine.dialect.name:10s} levels: {sorted(depth)}")
        start = time.perf_counter()
        ids = db.session.scalar(select(func.count()).where(
            localities.subtree_clause(Locality.path, localities.get_by_code("01").path)))
        print(f"{db.engine.dialect.name:10s} units under province 01 after the move: {ids} units in "
              f"{(time.perf_counter() - start) * 1000:.1f} ms")
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        with app.app_context():
            db.drop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_localities")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    run(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    if not args.sqlite_only:
        run(args.postgres)


if __name__ == "__main__":
    main()
