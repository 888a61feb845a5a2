"""The six demo accounts of ``flask demo seed`` (after the demo tree)."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts import service as accounts
from app.accounts.models import User
from app.core.extensions import db
from app.core.text import fold
from app.localities.models import Locality

DEMO_PASSWORD = "demo12345"
DEMO_USERS = [
    # phone, name, kind, granted role, grant locality code, home locality code
    # Units of today's tree (after 1 July 2025, app/localities/demo.py): Tỉnh Đồng Nai (75),
    # Phường Đồng Xoài (25210), Xã Tân Tiến (25318) and its Ấp 1 of the former Xã Tân Thành.
    ("0900000001", "Quản Trị Viên", "citizen", "admin", None, "75"),
    ("0900000002", "Trần Thị Tổ Chức", "citizen", "organizer", "75", "25210"),
    ("0900000003", "Lê Văn Lãnh Đạo", "citizen", "manager", "75", "25210"),
    ("0900000004", "Phạm Minh Công", "official", None, None, "25318"),
    ("0900000005", "Hoàng Thị Hỗ Trợ", "citizen", "helper", "2531801", "2531801"),
    ("0900000006", "Nguyễn Văn Dân", "citizen", None, None, "2531801"),
]


def seed_demo_accounts() -> None:
    """Create the demo accounts and their roles; running it again changes nothing."""
    codes = {loc.code: loc for loc in db.session.scalars(select(Locality).where(Locality.is_demo))}
    for phone, name, kind, role, grant_code, home_code in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = User(phone=phone, full_name=name, search_name=fold(name), kind=kind,
                        locality=codes[home_code], is_demo=True)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        if kind == "official" and user.workplace_unit is None:
            user.workplace_unit = accounts.find_or_create_unit("UBND xã Tân Tiến", codes["25318"], 25)
            user.position = "Công chức Văn hóa - Xã hội"
        if role:
            accounts.grant_role(user, role, codes.get(grant_code) if grant_code else None)
    db.session.flush()
