"""The bank editor (issue 16, item 1) and the scope of banks (issue 19, item 4).

The contest fixture's bank "thu" has no owner (province-wide, like the files of quizzes/); the
fixture's organizer holds the role over the province (90).
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.contests import attempts, bank_editor
from app.contests.models import ContestAttempt, ContestRound, Question, QuestionBank
from app.core.extensions import db
from app.core.models import AuditEvent
from app.core.tabular import write_csv
from tests.contests.conftest import NOW, right_answers

CSV_HEADER = ["bank", "id", "question", "option_a", "option_b", "correct", "explanation", "competence",
              "difficulty", "tags"]


def _question(app, key: str, slug: str = "thu") -> Question | None:
    with app.app_context():
        row = db.session.scalar(select(Question).join(QuestionBank).where(QuestionBank.slug == slug,
                                                                          Question.key == key))
        if row is not None:
            db.session.expunge(row)
        return row


def _form(question_key: str = "moi-1", **extra) -> dict:
    values = {"key": question_key, "text": "Câu hỏi về Cổng dịch vụ công?", "option_a": "Đúng là nó",
              "option_b": "Không phải", "correct": ["A"], "explanation": "Vì vậy.", "competence": "2.3",
              "difficulty": "2", "tags": "dvc, moi"}
    values.update(extra)
    return values


# --- scope (issue 19, item 4) -------------------------------------------------------------------


def test_a_district_organizer_can_neither_read_nor_import_into_the_province_bank(app, client, login, world,
                                                                                  make_user):
    district = make_user(full_name="Tổ chức Huyện Một", roles={"organizer": "901"})
    login(district)
    assert client.get("/organize/banks/thu").status_code == 404
    assert client.get("/organize/banks/thu/export/gift").status_code == 404
    assert "thu" not in client.get("/organize/").get_data(as_text=True).split("Ngân hàng câu hỏi")[-1]
    before = _question(app, "q1").correct
    body = write_csv(CSV_HEADER, [["thu", "q1", "Câu hỏi 1?", "Đúng 1", "Sai 1", "B", "", "2.3", "1", ""]])
    response = client.post("/organize/banks/import", data={"file": (io.BytesIO(body), "doi-dap-an.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "không do bạn quản lý" in response.get_data(as_text=True)
    assert _question(app, "q1").correct == before
    # Nor can a round of their own draw from it (the round form offers only their banks).
    page = client.get(f"/organize/contests/{world['contest_id']}/rounds/new")
    assert page.status_code == 404  # the province contest is not theirs either


def test_a_district_organizer_can_change_nothing_in_the_province_bank(app, client, login, world, make_user):
    """Every form of the bank editor refuses a bank outside the organizer's scope (404), not only
    its pages: editing a key, retiring, renaming, importing into it by its own page."""
    question = _question(app, "q1")
    district = make_user(full_name="Tổ chức Huyện Một", roles={"organizer": "901"})
    login(district)
    wrong_key = "B" if question.correct == [0] else "A"
    assert client.post(f"/organize/banks/thu/questions/{question.id}/edit",
                       data=_form("q1", correct=[wrong_key])).status_code == 404
    assert client.post(f"/organize/banks/thu/questions/{question.id}/retire").status_code == 404
    assert client.post("/organize/banks/thu/settings", data={"slug": "cua-toi", "title": "Của tôi"}
                       ).status_code == 404
    assert client.post("/organize/banks/thu/questions/new", data=_form("moi-9")).status_code == 404
    body = write_csv(CSV_HEADER, [["thu", "q1", "Câu hỏi 1?", "Đúng 1", "Sai 1", wrong_key, "", "2.3", "1", ""]])
    assert client.post("/organize/banks/thu/import", data={"file": (io.BytesIO(body), "doi-dap-an.csv")},
                       content_type="multipart/form-data").status_code == 404
    after = _question(app, "q1")
    assert (after.correct, after.active) == (question.correct, True)
    assert _question(app, "moi-9") is None
    with app.app_context():
        assert db.session.scalar(select(QuestionBank.slug).where(QuestionBank.slug == "thu")) == "thu"


def test_banks_belong_to_the_scope_of_whoever_creates_them(app, client, login, world, make_user):
    district = make_user(full_name="Tổ chức Huyện Một", roles={"organizer": "901"})
    login(district)
    assert client.post("/organize/banks/new", data={"slug": "huyen-mot", "title": "Ngân hàng Huyện Một"}
                       ).status_code == 302
    assert client.get("/organize/banks/huyen-mot").status_code == 200
    with app.app_context():
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == "huyen-mot"))
        assert bank.owner_locality.code == "901"
    other = make_user(full_name="Tổ chức Huyện Hai", roles={"organizer": "902"})
    client.post("/auth/logout")
    login(other)
    assert client.get("/organize/banks/huyen-mot").status_code == 404
    client.post("/auth/logout")
    login(world["organizer"])  # the province's organizer manages banks of every district
    assert client.get("/organize/banks/huyen-mot").status_code == 200


# --- the editor (issue 16, item 1) --------------------------------------------------------------


def test_a_new_question_is_checked_like_an_import_with_errors_tied_to_fields(app, client, login, world):
    login(world["organizer"])
    response = client.post("/organize/banks/thu/questions/new",
                           data=_form("bad id!", text="", option_b="", correct=["C"], competence="9.9"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("key", "option_a", "competence"):
        assert f'id="{field}-error"' in page, field
    assert _question(app, "bad id!") is None
    response = client.post("/organize/banks/thu/questions/new", data=_form())
    assert response.status_code == 302
    saved = _question(app, "moi-1")
    assert saved.options == ["Đúng là nó", "Không phải"]
    assert saved.correct == [0]
    assert saved.tags == ["dvc", "moi"]
    assert client.post("/organize/banks/thu/questions/new", data=_form("q1")).status_code == 400  # id taken


def test_search_ignores_accents_and_filters_narrow_the_list(app, client, login, world):
    login(world["organizer"])
    page = client.get("/organize/banks/thu?q=cau hoi 11").get_data(as_text=True)
    assert "Câu hỏi 11?" in page
    assert "Câu hỏi 3?" not in page
    rows = client.get("/organize/banks/thu?tag=vneid&difficulty=2").get_data(as_text=True)
    keys = re.findall(r'<tr id="q\d+"[^>]*><td>(q\d+)', rows)
    with app.app_context():
        expected = sorted(q.key for q in db.session.scalars(select(Question))
                          if "vneid" in q.tags and q.difficulty == 2)
    assert sorted(keys) == expected


def test_usage_and_share_right_per_question(app, client, login, world, register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        drawn = [item["id"] for item in attempt.questions]
        answers = right_answers(attempt)
        answers[str(drawn[0])] = [1]  # one wrong
        attempts.submit_attempt(attempt, answers, 3, now=NOW + timedelta(seconds=30))
        db.session.commit()
        usage = bank_editor.question_usage(drawn)
    assert usage[drawn[0]].answered == 1
    assert usage[drawn[0]].share == 0
    assert usage[drawn[1]].share == 1
    login(world["organizer"])
    used = client.get("/organize/banks/thu?usage=used").get_data(as_text=True)
    assert len(re.findall(r'<tr id="q\d+"', used)) == len(drawn)
    unused = client.get("/organize/banks/thu?usage=unused").get_data(as_text=True)
    assert len(re.findall(r'<tr id="q\d+"', unused)) == 12 - len(drawn)


def test_a_drawn_question_is_retired_never_deleted(app, client, login, world, register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)  # open: no evidence yet
        db.session.commit()
        drawn_id = attempt.questions[0]["id"]
        undrawn = db.session.scalar(select(Question).where(Question.id.not_in(
            [i["id"] for i in attempt.questions])))
        undrawn_id, undrawn_key = undrawn.id, undrawn.key
    login(world["organizer"])
    assert client.post(f"/organize/banks/thu/questions/{drawn_id}/retire").status_code == 302
    assert client.post(f"/organize/banks/thu/questions/{undrawn_id}/retire").status_code == 302
    with app.app_context():
        retired = db.session.get(Question, drawn_id)
        assert retired is not None
        assert retired.active is False
        assert db.session.get(Question, undrawn_id) is None
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["question.retire", "question.delete"]
        # the open attempt still shows its retired question
        attempt = db.session.scalar(select(ContestAttempt))
        assert len(attempts.attempt_questions(attempt)) == len(attempt.questions)
    assert _question(app, undrawn_key) is None
    assert client.post(f"/organize/banks/thu/questions/{drawn_id}/restore").status_code == 302
    with app.app_context():
        assert db.session.get(Question, drawn_id).active is True


def test_editing_a_key_in_an_open_round_warns_and_started_attempts_keep_the_old_key(app, client, login, world,
                                                                                    register):
    person = register()
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        attempt = attempts.start_attempt(round_, person.id, now=NOW)
        db.session.commit()
        question = db.session.get(Question, attempt.questions[0]["id"])
        qid, key = question.id, question.key
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        login(world["organizer"])
        page = client.get(f"/organize/banks/thu/questions/{qid}/edit").get_data(as_text=True)
        assert 'data-testid="open-round-warning"' in page
        values = _form(key, text="Câu hỏi đã sửa?", correct=["B"])
        response = client.post(f"/organize/banks/thu/questions/{qid}/edit", data=values, follow_redirects=True)
    assert response.status_code == 200
    assert "giữ đáp án cũ" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Question, qid).correct == [1]
        attempt = db.session.get(ContestAttempt, attempt.id)
        attempts.submit_attempt(attempt, right_answers(attempt), 3, now=NOW + timedelta(minutes=2))
        db.session.commit()
        assert attempt.score == len(attempt.questions)  # graded with the key it started with
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "question.update"))
        assert event.details["changes"]["correct"] == [[0], [1]]


def test_rename_and_title_a_bank_and_rounds_follow(app, client, login, world):
    login(world["organizer"])
    response = client.post("/organize/banks/thu/settings", data={"slug": "chuyen-doi-so", "title": "Chuyển đổi số"})
    assert response.status_code == 302
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        assert round_.draw["banks"] == ["chuyen-doi-so"]
        assert db.session.scalar(select(QuestionBank.title)) == "Chuyển đổi số"
    assert client.get("/organize/banks/chuyen-doi-so").status_code == 200
    bad = client.post("/organize/banks/chuyen-doi-so/settings", data={"slug": "Sai Tên", "title": ""})
    assert bad.status_code == 400
    assert 'id="slug-error"' in bad.get_data(as_text=True)


def test_preview_of_a_rounds_draw(app, client, login, world):
    login(world["organizer"])
    page = client.get("/organize/banks/thu/preview?easy=2&medium=2&hard=1&tags=")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="draw-preview"' in html
    assert len(re.findall(r"<li>q\d+ \(", html)) == 5
    short = client.get("/organize/banks/thu/preview?easy=9&medium=0&hard=0").get_data(as_text=True)
    assert "Không đủ câu hỏi" in short
