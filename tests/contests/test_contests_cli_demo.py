"""``flask contests`` commands and the demo contest: banks load (with file:line errors), finalize,
rebuild-boards, and a demo where every board shows data."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models.contest import ContestFinalRank, ContestRound, Question
from app.services.banks import BankError, load_bank_files, parse_bank_file
from app.services.framework import known_codes
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
        from app.services.contest_attempts import start_attempt, submit_attempt

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


def test_the_demo_contest_fills_every_board(app, runner, client):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.services.contests import get_contest

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
        f"{base}/rounds/2/localities?parent=693",
        f"{base}/rounds/1/units",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "No results yet" not in page, url
        assert "Chưa có kết quả" not in page, url
    # Running it again changes nothing.
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
