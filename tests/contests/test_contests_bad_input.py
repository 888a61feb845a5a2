"""Hostile input on the contest pages answered with a 4xx in the person's language, never a 500
(issue 19, items 6, 9 and 10): digits that are not ASCII, numbers too long for ``int()``, dates in
year 1, an infinite difficulty, a duplicate short name, a stored name holding ESC."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook

from app.contests import attempts
from app.contests.models import ContestAttempt, ContestRound, Question
from app.core.extensions import db
from app.core.tabular import write_csv
from tests.contests.conftest import NOW, right_answers
from tests.contests.test_contests_organize import HEADER, _round_form

HUGE = "1" * 5000


def _attempt(app, person, world) -> int:
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        return attempt.id


@pytest.mark.parametrize("value", ["²", "٣", HUGE, "-1", "1e9"])
def test_odd_numbers_in_the_answers_and_the_prediction_are_ignored(app, client, login, world, register, value):
    person = register()
    attempt_id = _attempt(app, person, world)
    with app.app_context():
        attempt = db.session.get(ContestAttempt, attempt_id)
        first = str(attempt.questions[0]["id"])
    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        login(person)
        autosave = client.post(f"/contests/attempts/{attempt_id}/autosave",
                               data={f"q-{first}": value, "prediction": value})
        assert autosave.status_code == 200
        response = client.post(f"/contests/attempts/{attempt_id}",
                               data={f"q-{first}": value, "prediction": value, "action": "submit"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/contests/attempts/{attempt_id}/result")
    with app.app_context():
        attempt = db.session.get(ContestAttempt, attempt_id)
        assert attempt.status == "submitted"
        assert attempt.prediction is None
        # options are the attempt's own tokens (issue 15): no number, in any script, is an option
        assert attempt.answers.get(first, []) == []


def test_prizes_with_digits_that_are_not_ascii_are_left_out(app, client, login, world):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        login(world["organizer"])
        response = client.post(f"/organize/contests/{world['contest_id']}/rounds/new",
                               data=_round_form(prizes=f"Giải Nhất: ²\nGiải Nhì: {HUGE[:1900]}\nGiải Ba: 3"))
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.scalar(db.select(ContestRound).where(ContestRound.id != world["round_id"]))
        assert round_.prizes == [{"label": "Giải Ba", "count": 3}]


@pytest.mark.parametrize("field", ["opens_at", "closes_at"])
def test_a_round_date_in_year_one_is_refused_with_a_message(app, client, login, world, field):
    login(world["organizer"])
    response = client.post(f"/organize/contests/{world['contest_id']}/rounds/new",
                           data=_round_form(**{field: "0001-01-01T00:00"}))
    assert response.status_code == 400
    assert "từ năm 2000 đến năm 2100" in response.get_data(as_text=True)


def test_a_duplicate_contest_short_name_is_refused_with_a_message(app, client, login, world):
    login(world["organizer"])
    response = client.post("/organize/contests/new", data={
        "slug": world["slug"], "title": "Lần hai", "rules": "", "groups": ["citizen"], "eligibility": "90"})
    assert response.status_code == 400
    assert "Tên ngắn này đã được cuộc thi khác sử dụng." in response.get_data(as_text=True)


@pytest.mark.parametrize("difficulty", ["inf", "-inf", "nan", "1e400", HUGE])
def test_a_bank_import_with_an_impossible_difficulty_is_refused_by_line(app, client, login, world, difficulty):
    login(world["organizer"])
    rows = [["moi", "m1", "Câu một?", "A1", "B1", "", "", "A", "", "2.3", difficulty, ""]]
    response = client.post("/organize/banks/import",
                           data={"file": (io.BytesIO(write_csv(HEADER, rows)), "cau-hoi.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Dòng 2" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Question.id)).where(Question.key == "m1")) == 0


def test_an_export_holding_a_name_stored_with_esc_still_answers(app, client, login, world, register):
    """A name stored before input refused control characters (or written by a script) must not
    break the table for everyone: the writer drops the character."""
    person = register(name="Nguyễn\x1b[31m Văn An")
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        login(world["organizer"])
        xlsx = client.get(f"/organize/rounds/{world['round_id']}/export/participants.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.headers["Cache-Control"] == "no-store"
    names = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).worksheets[0].iter_rows() for c in row]
    assert "Nguyễn[31m Văn An" in names


@pytest.mark.parametrize(("column", "value"), [("question", "Câu? " * 20_000), ("option_a", "A" * 1001),
                                               ("explanation", "Vì " * 40_000)])
def test_a_bank_import_with_a_text_too_long_is_refused_by_line(app, client, login, world, column, value):
    login(world["organizer"])
    row = dict(zip(HEADER, ["moi", "m1", "Câu một?", "A1", "B1", "", "", "A", "", "2.3", "1", ""], strict=True))
    row[column] = value
    response = client.post("/organize/banks/import",
                           data={"file": (io.BytesIO(write_csv(HEADER, [list(row.values())])), "cau-hoi.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Dòng 2" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Question.id)).where(Question.key == "m1")) == 0


def test_a_public_board_names_the_commune_of_a_small_village(app, client, world, register, monkeypatch):
    """Issue 19, item 11: next to a masked name, a village with fewer than 50 participants in the
    round would still say who it is; the board shows its commune instead."""
    from app.contests import boards

    person = register(name="Nguyễn Văn An")
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(seconds=40))
        db.session.commit()
    board = "/api/v1/contests/cuoc-thi/rounds/1/leaderboard?group=citizen"
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        small = client.get(board).get_json()
    entry = small["entries"][0]
    assert entry["name"] == "Nguyễn V. A"
    assert entry["locality"] == "Xã Xã Tân Thành"  # not "Ấp Ấp 1, Xã Xã Tân Thành"
    # A village with enough participants is named (read from the database: the live board keeps
    # the rows it has read in Redis, when there is one).
    monkeypatch.setattr(boards, "MIN_VILLAGE_PARTICIPANTS", 1)
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        assert boards._entries(round_, [person.id], 1)[0].locality == "Ấp Ấp 1, Xã Xã Tân Thành"
