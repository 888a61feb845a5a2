"""Vietnam's real administrative units, read from the `vietnamadminunits` package (MIT licence).

`legacy_rows()` gives the pre-1 July 2025 tree (63 provinces, ~700 districts, ~10,000 communes) in
the locality import layout ``code,name,type,parent_code``. Install with
``.venv/bin/pip install -r bench/requirements.txt``.
"""
from __future__ import annotations

import csv
import sqlite3
from pathlib import Path


def dataset_path() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"


def _province_type(name: str) -> str:
    return "Thành phố trực thuộc trung ương" if name.startswith("Thành phố") else "Tỉnh"


def _strip_type(full: str, kind: str) -> str:
    return full[len(kind):].strip() if full.startswith(kind) else full


def legacy_rows() -> list[tuple[str, str, str, str]]:
    """(code, name, type, parent_code) for every pre-reform province, district and commune."""
    con = sqlite3.connect(dataset_path())
    rows: dict[str, tuple[str, str, str, str]] = {}
    for province, district, ward, d_type, w_type, p_code, d_code, w_code in con.execute(
        "SELECT province, district, ward, districtType, wardType, provinceCode, districtCode, wardCode"
        " FROM admin_units_legacy"
    ):
        p_type = _province_type(province)
        rows.setdefault(p_code, (p_code, _strip_type(province, p_type if p_type == "Tỉnh" else "Thành phố"),
                                 p_type, ""))
        rows.setdefault(d_code, (d_code, _strip_type(district, d_type), d_type, p_code))
        if ward and w_code:  # a few island districts have no communes
            rows.setdefault(w_code, (w_code, _strip_type(ward, w_type), w_type, d_code))
    con.close()
    return list(rows.values())


def write_legacy_csv(path: Path) -> int:
    rows = legacy_rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "type", "parent_code"])
        writer.writerows(rows)
    return len(rows)
