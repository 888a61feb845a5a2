"""Organizer pages: bank import with a per-row report, contest and round editor with the audit log
of a running round, counters, finalize button, exports, voiding, question statistics, scope."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from openpyxl import load_workbook

from app.contests.models import ContestBestResult, ContestFinalRank, ContestRound, Question
from app.core.extensions import db
from app.core.models import AuditEvent
from app.core.tabular import read_table, write_csv, write_xlsx
from tests.contests.conftest import NOW

HEADER = [
    "bank",
    "id",
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "correct",
    "explanation",
    "competence",
    "difficulty",
    "tags",
]


def test_bank_import_reports_every_bad_row_and_writes_nothing(app, client, login, world):
    login(world["organizer"])
    rows = [
        ["moi", "m1", "Câu một?", "A1", "B1", "", "", "A", "", "2.3", "1", "x"],
        ["moi", "m2", "", "A2", "B2", "", "", "C", "", "9.9", "5", ""],
        ["moi", "m1", "Câu trùng?", "A", "B", "", "", "B", "", "2.3", "2", ""],
    ]
    data = {"file": (io.BytesIO(write_csv(HEADER, rows)), "cau-hoi.csv")}
    response = client.post("/organize/banks/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Line 3" in page or "Dòng 3" in page
    assert "9.9" in page and "Line 4" in page or "Dòng 4" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Question.id)).where(Question.key.like("m%"))) == 0


def test_bank_import_from_xlsx_and_the_template_round_trip(app, client, login, world):
    login(world["organizer"])
    template = client.get("/organize/banks/template.xlsx")
    assert template.status_code == 200
    table = read_table(template.data, "t.xlsx", ["bank", "id", "question"])
    assert table.rows[0][1]["bank"] == "chuyen-doi-so"
    rows = [["moi", "m1", "Câu một?", "A1", "B1", "C1", "", "A,C", "Vì vậy", "2.6", "2", "vneid, an-toan"]]
    data = {"file": (io.BytesIO(write_xlsx(HEADER, rows)), "cau-hoi.xlsx")}
    response = client.post("/organize/banks/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        question = db.session.scalar(db.select(Question).where(Question.key == "m1"))
        assert (question.correct, question.options, question.tags) == (
            [0, 2],
            ["A1", "B1", "C1"],
            ["vneid", "an-toan"],
        )
    page = client.get("/organize/banks/moi").get_data(as_text=True)
    assert "A, C" in page


def _round_form(**overrides):
    data = {
        "title": "Tuần 1",
        "opens_at": "2026-03-04T09:00",
        "closes_at": "2026-03-11T09:00",
        "banks": ["thu"],
        "tags": "",
        "easy": "2",
        "medium": "2",
        "hard": "1",
        "time_limit": "10",
        "attempts_allowed": "2",
        "grace_seconds": "10",
        "prediction_enabled": "y",
        "review_after_close": "y",
        "prizes": "Giải Nhất: 1\nGiải Nhì: 2",
        "criterion_1": "score",
        "criterion_2": "duration",
        "criterion_3": "prediction",
        "criterion_4": "submitted",
    }
    data.update(overrides)
    return data


def test_contest_and_round_editor_with_the_audit_of_a_running_round(app, client, login, world):
    traveller = time_machine.travel(NOW - timedelta(days=2), tick=False)
    traveller.start()
    login(world["organizer"])
    response = client.post(
        "/organize/contests/new",
        data={
            "slug": "thi-moi",
            "title": "Thi mới",
            "rules": "Luật",
            "groups": ["citizen"],
            "eligibility": "901",
            "published": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        from app.contests.service import get_contest

        contest_id = get_contest("thi-moi").id
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        response = client.post(f"/organize/contests/{contest_id}/rounds/new", data=_round_form())
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        round_ = db.session.scalar(db.select(ContestRound).where(ContestRound.contest_id == contest_id))
        round_id = round_.id
        assert round_.criteria == ["score", "duration", "prediction", "submitted"]
        assert round_.opens_at.replace(tzinfo=None).hour == 2  # 09:00 in Vietnam is 02:00 UTC
        assert round_.question_count == 5
    # Once the round runs, a change is recorded with who, what (old → new) and when.
    with time_machine.travel(NOW, tick=False):
        response = client.post(f"/organize/rounds/{round_id}/edit", data=_round_form(time_limit="12"))
        assert response.status_code == 302
        page = client.get(f"/organize/rounds/{round_id}").get_data(as_text=True)
        # read by people: who (name and role), what in words, the field and its values in words
        assert "Ban Tổ Chức (Ban tổ chức)" in page
        assert "đã thay đổi vòng thi đang diễn ra" in page
        assert "Thời gian làm bài: 10 phút → 12 phút" in page
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "round.change_running"))
        assert event.actor_id == world["organizer"].id
        assert event.details["changes"]["time_limit_seconds"] == [600, 720]
    traveller.stop()


def test_an_invalid_round_is_refused_with_the_field_named(app, client, login, world):
    login(world["organizer"])
    response = client.post(
        f"/organize/contests/{world['contest_id']}/rounds/new", data=_round_form(closes_at="2026-03-01T09:00")
    )
    assert response.status_code == 400


def test_finalize_button_exports_voiding_and_question_statistics(app, client, login, world, register):
    people = [register(name=f"Đỗ Văn Số{i}") for i in range(4)]
    with app.app_context():
        from app.contests.attempts import start_attempt, submit_attempt
        from tests.contests.conftest import right_answers

        round_ = db.session.get(ContestRound, world["round_id"])
        for i, person in enumerate(people):
            attempt = start_attempt(round_, person.id, now=NOW)
            answers = right_answers(attempt)
            for key in list(answers)[:i]:
                answers[key] = [2]
            submit_attempt(attempt, answers, 1, now=NOW + timedelta(seconds=60 + i))
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login(world["organizer"])
        page = client.get(f"/organize/rounds/{world['round_id']}").get_data(as_text=True)
        assert 'data-testid="participants">4<' in page
        # Not closed yet: finalize is refused.
        client.post(f"/organize/rounds/{world['round_id']}/finalize")
        with app.app_context():
            assert db.session.get(ContestRound, world["round_id"]).finalized_at is None
        response = client.post(
            f"/organize/rounds/{world['round_id']}/void", data={"phone": people[3].phone, "reason": "Thi hộ"}
        )
        assert response.status_code == 302
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        client.post(f"/organize/rounds/{world['round_id']}/finalize")
        with app.app_context():
            final = {f.user_id: f for f in db.session.scalars(db.select(ContestFinalRank))}
            ranks = {
                r.user_id: (
                    final[r.user_id].final_rank if r.user_id in final else None,
                    final[r.user_id].prize if r.user_id in final else None,
                    r.voided,
                )
                for r in db.session.scalars(db.select(ContestBestResult))
            }
        assert ranks[people[0].id] == (1, "Nhất", False)
        assert ranks[people[2].id][1] == "Nhì"
        assert ranks[people[3].id] == (None, None, True)
        csv = client.get(f"/organize/rounds/{world['round_id']}/export/participants.csv").data.decode(
            "utf-8-sig"
        )
        assert "Đỗ Văn Số0" in csv
        assert "Đỗ V. S" in csv
        assert "Đỗ Văn Số3" not in csv
        xlsx = client.get(f"/organize/rounds/{world['round_id']}/export/winners.xlsx")
        sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
        assert sheet.title == "Danh sách người đạt giải"
        rows = list(sheet.iter_rows(values_only=True))
        header = rows.index(next(r for r in rows if r and r[0] == "Hạng"))  # headers in Vietnamese
        prize = rows[header].index("Giải")
        assert [r[prize] for r in rows[header + 1:]] == ["Nhất", "Nhì", "Nhì"]
        assert rows[1][0] == "Cuộc thi: Cuộc thi thử"
        page = client.get(f"/organize/rounds/{world['round_id']}").get_data(as_text=True)
        assert 'data-testid="question-stats"' in page


def test_after_voiding_a_winner_the_organizer_finalizes_again_and_the_prize_passes_on(
    app, client, login, world, register
):
    """A finalized round keeps a gap where a participant voided afterwards was; the organizer's
    "Finalize again" ranks everyone again and gives the prize to the next in order (audited)."""
    from app.core.models import AuditEvent

    people = [register(name=f"Phan Văn Hạng{i}") for i in range(3)]
    with app.app_context():
        from app.contests.attempts import start_attempt, submit_attempt
        from tests.contests.conftest import right_answers

        round_ = db.session.get(ContestRound, world["round_id"])
        for i, person in enumerate(people):
            attempt = start_attempt(round_, person.id, now=NOW)
            submit_attempt(attempt, right_answers(attempt), 1, now=NOW + timedelta(seconds=60 + i))
        db.session.commit()

    def final() -> dict:
        with app.app_context():
            return {f.user_id: (f.final_rank, f.prize) for f in db.session.scalars(db.select(ContestFinalRank))}

    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        login(world["organizer"])
        url = f"/organize/rounds/{world['round_id']}"
        assert 'id="refinalize"' not in client.get(url).get_data(as_text=True)
        client.post(f"{url}/finalize")
        assert final()[people[0].id] == (1, "Nhất")
        client.post(f"{url}/void", data={"phone": people[0].phone, "reason": "Thi hộ"})
        assert people[0].id not in final()
        assert final()[people[1].id] == (2, "Nhì")  # a gap where the voided winner was
        page = client.get(url).get_data(as_text=True)
        assert 'id="refinalize"' in page
        response = client.post(f"{url}/finalize", follow_redirects=True)
        assert "Đã tính xếp hạng chung cuộc cho 2 người dự thi" in response.get_data(as_text=True)
        assert final() == {people[1].id: (1, "Nhất"), people[2].id: (2, "Nhì")}
        with app.app_context():
            actions = db.session.scalars(
                db.select(AuditEvent.action).where(AuditEvent.action == "round.finalize")
            ).all()
        assert len(actions) == 2


def test_an_organizer_of_another_district_cannot_open_the_contest(app, client, login, world, make_user):
    other = make_user(roles={"organizer": "902"})
    login(other)
    with app.app_context():
        from app.contests.models import Contest
        from app.localities.service import get_by_code

        db.session.get(Contest, world["contest_id"]).eligibility_id = get_by_code("901").id
        db.session.commit()
    assert client.get(f"/organize/rounds/{world['round_id']}").status_code == 404
    assert client.get(f"/organize/contests/{world['contest_id']}/edit").status_code == 404
    assert client.get(f"/organize/rounds/{world['round_id']}/export/participants.csv").status_code == 404
    assert "cuoc-thi" not in client.get("/organize/").get_data(as_text=True)


def test_citizens_cannot_open_organizer_pages(client, login, make_user, world):
    login(make_user())
    assert client.get("/organize/").status_code == 403
    assert client.get("/organize/banks/thu").status_code == 403
