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


def test_round_statistics_are_exported_like_every_other_table(app, client, login, world, register):
    """Issue 16 item 5: the daily tally (by locality, with codes, and by unit) and the question
    statistics are filed through the one export implementation, in the UI's language."""
    person = register(name="Lê Thị Thống Kê")
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
        drawn = len(attempt.questions)
    with time_machine.travel(NOW + timedelta(days=8), tick=False):  # the round has closed
        login(world["organizer"])
        daily = client.get(f"/organize/rounds/{world['round_id']}/export/daily-localities.csv")
        questions = client.get(f"/organize/rounds/{world['round_id']}/export/questions.xlsx")
        units = client.get(f"/organize/rounds/{world['round_id']}/export/daily-units.csv")
        assert client.get(f"/organize/rounds/{world['round_id']}/export/nothing.csv").status_code == 404
    assert daily.status_code == questions.status_code == units.status_code == 200
    rows = list(csv.reader(io.StringIO(daily.data.decode("utf-8-sig"))))
    assert rows[0] == ["Số người dự thi theo ngày, theo địa bàn"]
    header = rows[5]
    assert header[:3] == ["Mã địa bàn", "Địa bàn", "Tổng số người"]
    assert header[3] == "04/03/2026"
    assert header[-1] == "Tổng"
    totals = {row[0]: row[-1] for row in rows[6:]}
    assert totals["901"] == "1"
    sheet = load_workbook(io.BytesIO(questions.data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header_row = next(i for i, row in enumerate(values) if row[0] == "Ngân hàng")
    assert values[header_row][:4] == ["Ngân hàng", "Mã trong ngân hàng", "Câu hỏi", "Số lần xuất hiện"]
    assert len(values) - header_row - 1 == drawn
