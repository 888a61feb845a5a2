"""Benchmark: Vietnam's real 1 July 2025 reorganization (≈10,000 old communes → 3,321 new units).

Builds the pre-reform tree from the `vietnamadminunits` package (bench/requirements.txt), places
``--people`` residents in old communes, writes NEW_LIST and MAPPING CSVs from the package's
converter_2025.json, then times validation and the one-transaction apply of
``app.localities.reorganize`` (what ``flask localities reorganize`` runs).

    .venv/bin/python -m bench.reorganize_national [--people 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.vn_admin_data import dataset_path, legacy_rows


def write_plan(directory: Path) -> tuple[Path, Path, int, int]:
    """NEW_LIST (provinces + communes) and MAPPING (old_code,new_code) from the package's data."""
    con = sqlite3.connect(dataset_path())
    old_code = {
        f"{p}_{d}_{w}": code
        for p, d, w, code in con.execute(
            "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
            " WHERE wardCode IS NOT NULL"
        )
    }
    new_units, new_code = [], {}
    provinces = {}
    for p_key, p_code, p_name, w_key, w_code, w_name, w_type in con.execute(
        "SELECT provinceKey, provinceCode, province, wardKey, wardCode, ward, wardType FROM admin_units"
    ):
        kind = "Thành phố trực thuộc trung ương" if p_name.startswith("Thành phố") else "Tỉnh"
        provinces[p_code] = (p_code, p_name.removeprefix("Thành phố ").removeprefix("Tỉnh "), kind, "")
        name = w_name[len(w_type) :].strip() if w_name.startswith(w_type) else w_name
        new_units.append((w_code, name, w_type, p_code))
        new_code[(p_key, w_key)] = w_code
    con.close()
    converter = json.loads((dataset_path().parent / "converter_2025.json").read_text(encoding="utf-8"))
    mapping: list[tuple[str, str]] = []
    for p_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for w_key, olds in wards.items():
            for old in olds:
                if old in old_code and (p_key, w_key) in new_code:
                    mapping.append((old_code[old], new_code[(p_key, w_key)]))
    for p_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, targets in olds.items():
            for target in targets:
                if old in old_code and (p_key, target["newWardKey"]) in new_code:
                    mapping.append((old_code[old], new_code[(p_key, target["newWardKey"])]))
    mapping = list(dict.fromkeys(mapping))
    new_list = directory / "new_list.csv"
    with new_list.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "type", "parent_code"])
        writer.writerows(sorted(provinces.values()))
        writer.writerows(new_units)
    mapping_file = directory / "mapping.csv"
    with mapping_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["old_code", "new_code"])
        writer.writerows(mapping)
    return new_list, mapping_file, len(provinces) + len(new_units), len(mapping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cds-reorg-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"

    from sqlalchemy import insert, select

    from app import create_app
    from app.accounts.models import User
    from app.core.extensions import db
    from app.core.tabular import Table
    from app.localities import reorganize
    from app.localities import service as localities
    from app.localities.models import Locality
    from config import TestConfig

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        rows = legacy_rows()
        table = Table(
            ["code", "name", "type", "parent_code"],
            [
                (n, {"code": c, "name": name, "type": t, "parent_code": p})
                for n, (c, name, t, p) in enumerate(rows, 2)
            ],
        )
        started = time.perf_counter()
        assert localities.import_localities(table).ok
        db.session.commit()
        print(f"old tree imported: {len(rows)} units in {time.perf_counter() - started:.1f} s")
        communes = list(db.session.scalars(select(Locality.id).where(Locality.depth == 2)))
        rng = random.Random(1)
        people = [
            {
                "phone": f"09{n:08d}",
                "full_name": "Người dân",
                "search_name": "nguoi dan",
                "kind": "citizen",
                "locality_id": rng.choice(communes),
                "active": True,
                "is_assisted": False,
                "session_version": 1,
                "is_demo": False,
            }
            for n in range(args.people)
        ]
        for start in range(0, len(people), 20_000):
            db.session.execute(insert(User), people[start : start + 20_000])
        db.session.commit()
        new_list, mapping, n_new, n_map = write_plan(tmp)
        print(f"NEW_LIST: {n_new} units; MAPPING: {n_map} lines; people: {args.people}")
        started = time.perf_counter()
        plan = reorganize.load_plan(new_list, mapping)
        report = reorganize.validate_plan(plan, date(2025, 7, 1))
        validated = time.perf_counter() - started
        if not report.ok:
            for error in report.errors[:20]:
                print("  ", error)
            raise SystemExit(f"{len(report.errors)} problems")
        summary = reorganize.apply_plan(plan, date(2025, 7, 1))
        db.session.commit()
        total = time.perf_counter() - started
        print(f"database: {db.engine.dialect.name}")
        print(f"validate: {validated:.1f} s; validate + apply + commit: {total:.1f} s")
        for line in summary.lines():
            print("  " + line)


if __name__ == "__main__":
    main()
