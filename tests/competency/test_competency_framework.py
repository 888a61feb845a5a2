"""`flask competency load-framework FILE`: a province's own framework is checked (errors name the
file and line), codes that content already uses are checked against it, and a valid file is
installed where FRAMEWORK_FILE can point."""

from pathlib import Path

import pytest

from app.competency import framework
from app.competency.evidence import record_evidence
from app.core.extensions import db

DEFAULT = Path(framework.__file__).resolve().parent / "data" / "framework.yml"


@pytest.fixture
def own(tmp_path):
    """``own(replace=(old, new), ...)`` → path of a copy of the default framework, edited."""

    def make(*replacements, name="province.yml"):
        text = DEFAULT.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


def line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_the_shipped_framework_is_valid():
    result = framework.check_framework_file(DEFAULT)
    assert result.ok, result.errors
    assert len(result.framework.areas) == 6
    assert len(result.framework.codes()) == 23


def test_a_duplicate_code_is_reported_with_file_and_both_lines(own):
    path = own(('{code: "1.2", vi:', '{code: "1.1", vi:'))
    result = framework.check_framework_file(path)
    second = line_of(path, 'en: "Evaluating data')
    first = line_of(path, 'en: "Browsing')
    assert result.errors == [f"{path}:{second}: duplicate competence code '1.1' (first on line {first})"]
    assert result.framework is None


def test_a_missing_english_name_names_its_line(own):
    path = own((', en: "Netiquette"}', "}"))
    result = framework.check_framework_file(path)
    line = line_of(path, '{code: "2.5"')
    assert result.errors == [f"{path}:{line}: competence 2.5 (name in English): missing 'en'"]


def test_levels_must_be_one_to_eight_in_the_four_groups(own):
    path = own(("{level: 8, group: specialised", "{level: 9, group: expert"))
    errors = framework.check_framework_file(path).errors
    line = line_of(path, "level: 9")
    assert f"{path}:{line}: level '9' must be a whole number from 1 to 8" in errors
    assert any(e.startswith(f"{path}:{line}: level 9: unknown group 'expert'") for e in errors)
    assert any("levels must be exactly 1 to 8 (missing 8)" in e for e in errors)


def test_groups_must_be_in_order(own):
    path = own(("{level: 1, group: foundation", "{level: 1, group: advanced"))
    errors = framework.check_framework_file(path).errors
    assert len(errors) == 1
    assert "foundation → intermediate → advanced → specialised" in errors[0]


def test_yaml_syntax_errors_name_the_line(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("slug: x\nareas:\n  - code: [\n", encoding="utf-8")
    errors = framework.check_framework_file(path).errors
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:4: not valid YAML")


def test_the_command_reports_errors_and_installs_nothing(app, runner, own, tmp_path):
    path = own(('{code: "4.2", vi:', '{code: "4.1", vi:'))
    target = tmp_path / "instance" / "framework.yml"
    result = runner.invoke(args=["competency", "load-framework", str(path), "--target", str(target)])
    assert result.exit_code == 1
    assert f"{path}:{line_of(path, 'Protecting personal data')}: duplicate competence code '4.1'" in result.output
    assert "nothing was installed" in result.output
    assert not target.exists()


def test_a_valid_file_is_installed_and_a_restart_is_explained(app, runner, own, tmp_path):
    path = own(('vi: "Bảo vệ môi trường"', 'vi: "Bảo vệ môi trường sống"'))
    target = tmp_path / "instance" / "framework.yml"
    result = runner.invoke(args=["competency", "load-framework", str(path), "--target", str(target)])
    assert result.exit_code == 0, result.output
    assert "6 areas, 23 competences" in result.output
    assert f"FRAMEWORK_FILE={target}" in result.output
    assert target.read_bytes() == path.read_bytes()
    assert framework.get_framework(target).competences["4.4"].name("vi") == "Bảo vệ môi trường sống"


def test_the_default_target_is_the_instance_folder(app, runner, own, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "inst"))
    result = runner.invoke(args=["competency", "load-framework", str(own())])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "inst" / "framework.yml").exists()


def test_codes_in_use_that_the_new_file_lacks_are_listed(app, runner, own, tmp_path, make_user):
    from app.contests.models import Question, QuestionBank
    from app.learn.models import Course, Lesson

    user = make_user()
    with app.app_context():
        course = Course(slug="c", title="Khoá", competences=["2.3"])
        course.lessons.append(Lesson(slug="l", title="Bài", competences=["2.3", "5.4"]))
        db.session.add(course)
        bank = QuestionBank(slug="b", title="Ngân hàng")
        db.session.add(bank)
        db.session.flush()
        db.session.add(Question(bank_id=bank.id, key="q1", text="?", options=["a", "b"], correct=[0],
                                competence_code="5.4"))
        record_evidence(user.id, ["3.4"], "practice", "q1", True, 1)
        db.session.commit()
    path = own(('      - {code: "5.4"', '      # removed: '), ('      - {code: "3.4"', "      # removed: "))
    target = tmp_path / "framework.yml"
    result = runner.invoke(args=["competency", "load-framework", str(path), "--target", str(target)])
    assert result.exit_code == 1
    assert "2 competence codes in use are not in the new framework" in result.output
    assert "  3.4: used by evidence" in result.output
    assert "  5.4: used by lessons, questions" in result.output
    assert "2.3" not in result.output.split("not in the new framework")[1]
    assert not target.exists()

    checked = runner.invoke(args=["competency", "load-framework", str(path), "--check"])
    assert checked.exit_code == 0
    assert "Checked only; nothing was installed." in checked.output

    forced = runner.invoke(args=["competency", "load-framework", str(path), "--target", str(target),
                                 "--allow-unknown"])
    assert forced.exit_code == 0, forced.output
    assert target.exists()
