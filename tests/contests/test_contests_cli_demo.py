"""``flask contests`` commands and the demo contest: banks load (with file:line errors), finalize,
rebuild-boards, and a demo where every board shows data."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.competency.framework import known_codes
from app.contests.banks import BankError, load_bank_files, parse_bank_file
from app.contests.models import ContestFinalRank, ContestRound, Question
from app.core.extensions import db
from tests.contests.conftest import NOW

QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


def test_the_shipped_demo_bank_is_valid_and_large_enough(ctx):
    title, questions = parse_bank_file(QUIZZES / "chuyen-doi-so.yml")
    assert len(questions) >= 60
    assert {q.competence_code for q in questions} <= known_codes()
    tags = {t for q in questions for t in q.tags}
    assert {"chuyen-doi-so", "dich-vu-cong", "muc-do", "vneid", "thanh-toan", "an-toan"} <= tags
    assert {q.difficulty for q in questions} == {1, 2, 3}


def test_a_bad_yaml_bank_names_file_and_line_and_loads_nothing(ctx, tmp_path):
    (tmp_path / "tot.yml").write_text(
        'title: "Tốt"\nquestions:\n'
        '  - {id: a1, text: "Câu?", options: ["X", "Y"], correct: A, competence: "2.3"}\n',
        encoding="utf-8",
    )
    (tmp_path / "hong.yml").write_text(
        'title: "Hỏng"\nquestions:\n  - id: b1\n    text: "Câu?"\n    options: ["X"]\n    correct: C\n'
        '    competence: "9.9"\n',
        encoding="utf-8",
    )
    with pytest.raises(BankError) as info:
        load_bank_files(tmp_path)
    assert any(e.startswith("hong.yml:3:") and "competence" in e for e in info.value.errors)
    assert any(e.startswith("hong.yml:3:") and "options" in e for e in info.value.errors)
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    (tmp_path / "hong.yml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError) as info:
        load_bank_files(tmp_path)
    assert info.value.errors[0].startswith("hong.yml:2:")


def test_finalize_command_and_rebuild_boards(app, runner, world, register):
    person = register()
    with app.app_context():
        from app.contests.attempts import start_attempt, submit_attempt

        round_ = db.session.get(ContestRound, world["round_id"])
        submit_attempt(start_attempt(round_, person.id, now=NOW), {}, None, now=NOW + timedelta(seconds=5))
        round_.closes_at = NOW + timedelta(seconds=10)
        db.session.commit()
    result = runner.invoke(args=["contests", "rebuild-boards"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["contests", "finalize", "cuoc-thi/1"])
    assert result.exit_code == 0, result.output
    assert "1 results ranked" in result.output
    result = runner.invoke(args=["contests", "finalize", "cuoc-thi/9"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(db.select(ContestFinalRank.final_rank)) == 1


def test_expire_overdue_closes_abandoned_attempts_with_what_was_saved(app, runner, world, register):
    """Run from cron while a round is open: attempts past their deadline and grace close as
    expired, graded with their saved answers, and count on the boards; attempts still within
    their time stay open. ``--batch`` only changes how many close per transaction."""
    import time_machine

    from app.contests.attempts import save_answers, start_attempt
    from app.contests.models import ContestAttempt, ContestBestResult
    from tests.contests.conftest import right_answers

    left, gone, busy = register(name="Bỏ Dở Một"), register(name="Bỏ Dở Hai"), register(name="Đang Làm")
    with app.app_context():
        round_ = db.session.get(ContestRound, world["round_id"])
        first = start_attempt(round_, left.id, now=NOW)
        save_answers(first, right_answers(first), now=NOW + timedelta(seconds=30))
        start_attempt(round_, gone.id, now=NOW)
        start_attempt(round_, busy.id, now=NOW + timedelta(minutes=9))
        db.session.commit()
    # 10 minutes allowed, 10 s of grace: at NOW + 11 min the first two are overdue, the third is not.
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        result = runner.invoke(args=["contests", "expire-overdue", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "2 overdue attempts closed" in result.output
    with app.app_context():
        status = {a.user_id: a.status for a in db.session.scalars(db.select(ContestAttempt))}
        best = {b.user_id: b.score for b in db.session.scalars(db.select(ContestBestResult))}
    assert status == {left.id: "expired", gone.id: "expired", busy.id: "open"}
    assert best == {left.id: 5, gone.id: 0}
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        again = runner.invoke(args=["contests", "expire-overdue", "cuoc-thi/1"])
    assert "0 overdue attempts closed" in again.output


def test_the_demo_contest_fills_every_board(app, runner, client):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.contests.service import get_contest

        contest = get_contest("chuyen-doi-so-binh-phuoc")
        closed, open_ = contest.rounds
        assert closed.finalized_at is not None
        assert open_.finalized_at is None
        assert (open_.question_count, open_.time_limit_seconds) == (30, 900)
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(ContestFinalRank).where(ContestFinalRank.prize.is_not(None))
            )
            >= 11
        )
    base = "/contests/chuyen-doi-so-binh-phuoc"
    for url in (
        f"{base}/rounds/1/board",
        f"{base}/rounds/2/board",
        f"{base}/rounds/2/board?group=official",
        f"{base}/board",
        f"{base}/rounds/2/localities",
        f"{base}/rounds/2/localities?parent=25318",
        f"{base}/rounds/1/units",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "No results yet" not in page, url
        assert "Chưa có kết quả" not in page, url
    # Today the demo is Đồng Nai's: Xã Tân Tiến took in the villages of the former Xã Tân Thành, so
    # it has two "Ấp 1", told apart by their codes; the participation figure is named as out of
    # the headcount and shows both numbers, headcounts are whole numbers.
    page = client.get(f"{base}/rounds/2/localities?parent=25318").get_data(as_text=True)
    assert "Ấp 1 (2531801)" in page
    assert "Ấp 1 (2532101)" in page
    assert "Tỷ lệ tham gia vòng thi so với quy mô đơn vị" in page
    assert re.search(r'data-indicator="round_participation_headcount">\d+ / \d+ người \(\d+,\d%\)', page)
    api = client.get("/api/v1/contests/chuyen-doi-so-binh-phuoc/rounds/2/localities?parent=75").get_json()
    assert api["localities"]
    for row in api["localities"]:
        assert row["participation"]["indicator"] == "round_participation_headcount"
        assert row["participation"]["numerator"] == row["participants"]
        assert row["participation"]["denominator"] == row["headcount"]
        assert isinstance(row["headcount"], int)
    # Running it again changes nothing.
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0


def test_demo_headcounts_are_whole_people(ctx):
    """Issue 18: the locality board showed a headcount of "652.6666666666666" (population / 3 as REAL)."""
    from sqlalchemy import select

    from app.contests.demo import fill_headcounts
    from app.localities.models import Locality

    path = "/"
    for depth, code in enumerate(("90", "901", "90101", "9010101")):
        path += code + "/"
        db.session.add(Locality(code=code, name=f"Nơi {code}", type="Ấp", path=path, depth=depth,
                                is_demo=True, population=1958 if depth == 3 else None,
                                parent_id=db.session.scalar(select(Locality.id).where(Locality.depth == depth - 1))))
        db.session.flush()
    fill_headcounts()
    db.session.commit()
    db.session.expire_all()
    raw = db.session.execute(select(Locality.code, Locality.headcount).order_by(Locality.depth)).all()
    assert [(code, count) for code, count in raw] == [("90", 652), ("901", 652), ("90101", 652), ("9010101", 652)]
    assert all(type(count) is int for _code, count in raw)
