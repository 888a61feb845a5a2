"""Balanced banks: ``flask contests load-banks``, the XLSX/CSV import and the GIFT/Moodle import
warn (one check, ``banks.key_position_warning``) when more than 40% of a bank's single-answer keys
sit at one position; the shipped demo bank passes it, spreads its keys, has plausible wrong
options, hard questions, and nothing dated."""
from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from app.contests.banks import QuestionData, key_position_warning, parse_bank_file
from app.core.tabular import write_csv
from tests.contests.test_contests_organize import HEADER

QUIZZES = Path(__file__).resolve().parents[2] / "quizzes"


def _bank(keys: list[list[int]]) -> list[QuestionData]:
    return [QuestionData(f"k{i}", f"Câu {i}?", ["a", "b", "c", "d"], key, "", "2.3", 1, [])
            for i, key in enumerate(keys)]


def test_the_check_counts_single_answer_keys_per_position():
    assert key_position_warning("b", _bank([[0], [1], [2], [3], [0], [1], [2], [3], [0], [1]])) is None
    # 4 of 10 at A is 40%: still fine; 5 of 10 is over.
    assert key_position_warning("b", _bank([[0]] * 4 + [[1], [2], [3], [1], [2], [3]])) is None
    warning = key_position_warning("b", _bank([[1]] * 5 + [[0], [2], [3], [0], [2]]))
    assert warning is not None
    assert "B" in warning
    assert "50" in warning
    # Multiple-answer questions do not count; too few single-answer ones are not judged.
    assert key_position_warning("b", _bank([[0, 1]] * 10 + [[2], [3], [0], [1]])) is None
    assert key_position_warning("b", _bank([[0]] * 4)) is None


def test_load_banks_warns_about_a_bank_with_its_keys_at_one_place(app, runner, tmp_path):
    questions = "".join(
        f'  - {{id: q{i}, text: "Câu {i}?", options: ["W", "X", "Y", "Z"], correct: {"A" if i < 6 else "BCD"[i % 3]}, '
        f'competence: "2.3"}}\n'
        for i in range(10)
    )
    (tmp_path / "lech.yml").write_text(f'title: "Lệch"\nquestions:\n{questions}', encoding="utf-8")
    result = runner.invoke(args=["contests", "load-banks", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "lech: 10 new" in result.output
    assert re.search(r"warning: .*lech.*60%.*A", result.output)


def test_load_banks_of_the_shipped_files_warns_about_none(app, runner):
    result = runner.invoke(args=["contests", "load-banks", "--dir", str(QUIZZES)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output


def test_the_csv_import_warns_and_still_imports(app, client, login, world):
    login(world["organizer"])
    rows = [["lech", f"m{i}", f"Câu {i}?", "A1", "B1", "C1", "D1", "A" if i < 6 else "B", "", "2.3", "1", ""]
            for i in range(10)]
    data = {"file": (io.BytesIO(write_csv(HEADER, rows)), "cau-hoi.csv")}
    response = client.post("/organize/banks/import", data=data, content_type="multipart/form-data",
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "flash-warning" in page
    assert "60%" in page


def test_the_gift_import_warns(app, runner, tmp_path):
    gift = "".join(f"::g{i}:: Câu {i}? {{={'Đúng' if i < 7 else 'Sai'} ~Khác ~Nữa ~{'Sai' if i < 7 else 'Đúng'}}}\n\n"
                   for i in range(10))
    path = tmp_path / "lech.gift"
    path.write_text(gift, encoding="utf-8")
    result = runner.invoke(args=["contests", "import-bank", str(path), "--bank", "lech", "--competence", "2.3"])
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: .*lech.*100%.*A", result.output)


def test_the_demo_bank_is_balanced_hard_enough_and_not_dated(ctx):
    _title, questions = parse_bank_file(QUIZZES / "chuyen-doi-so.yml")
    assert key_position_warning("chuyen-doi-so", questions) is None
    single = [q.correct[0] for q in questions if len(q.correct) == 1]
    counts = Counter(single)
    assert set(counts) == {0, 1, 2, 3}
    assert max(counts.values()) - min(counts.values()) <= 2  # spread evenly, not just under 40%
    assert sum(q.difficulty >= 2 for q in questions) * 3 >= len(questions)
    text = " ".join(f"{q.text} {' '.join(q.options)} {q.explanation}" for q in questions).lower()
    # Levels 3/4 of online services were replaced ("toàn trình"/"một phần"): a question or a right
    # answer names them only as history (a wrong option may offer them as today's).
    for q in questions:
        stated = f"{q.text} {' '.join(q.options[i] for i in q.correct)}".lower()
        if re.search(r"mức độ [34]", stated):  # (VNeID accounts have levels 1 and 2 today)
            assert "cũ" in stated or "trước" in stated, q.key
    assert "năm 2022" not in text
    assert "năm nay" not in text
    # No wrong option is a throwaway ("không có tác dụng", "không thể biết", a game or a film).
    absurd = ("không có tác dụng", "không thể biết", "trò chơi", "xem phim", "không có lý do", "không được nhận")
    assert not [a for a in absurd if a in text]
