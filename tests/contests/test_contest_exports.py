"""The participants table a department files (issue 16, item 5): Vietnamese headers, a title block,
local times with the offset, the village with its commune and district, and a name that would be a
formula neutralised."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import time_machine
from openpyxl import load_workbook

from app.contests import attempts
from app.contests.models import ContestRound
from app.core.extensions import db
from tests.contests.conftest import NOW, right_answers


def test_participants_export_is_filed_as_it_is(app, client, login, world, register):
    person = register(name='=HYPERLINK("http://evil.example","Bấm")')
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        login(world["organizer"])
        data = client.get(f"/organize/rounds/{world['round_id']}/export/participants.csv")
        xlsx = client.get(f"/organize/rounds/{world['round_id']}/export/participants.xlsx")
    assert data.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert rows[0] == ["Danh sách người dự thi và kết quả"]
    assert rows[1] == ["Cuộc thi: Cuộc thi thử"]
    assert rows[2] == ["Đợt thi: Đợt 1: Tuần 1"]
    assert rows[3][0].startswith("Xuất lúc 2026-03-04 11:00:00 +07:00")
    assert "Ban Tổ Chức (Ban tổ chức)" in rows[3][0]
    header = rows[5]
    assert header[:3] == ["Hạng", "Tên đã che", "Họ và tên"]
    row = dict(zip(header, rows[6], strict=True))
    assert row["Họ và tên"].startswith("'=")  # text, never a formula
    assert row["Nộp bài lúc"] == "2026-03-04 10:00:40 +07:00"  # 03:00:40 UTC
    assert row["Địa bàn"] == "Ấp Ấp 1, Xã Xã Tân Thành, Huyện Huyện Một"
    assert row["Mã địa bàn"] == "9010101"
    assert row["Đối tượng"] == "Người dân"
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    cells = list(sheet.iter_rows(min_row=7, max_row=7))[0]
    assert cells[2].data_type == "s"
    assert cells[2].value.startswith("'=")
    assert sheet.freeze_panes == "A7"
