"""Content as files: ``flask content check/load/export``, the shipped courses, lossless round trip."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.core.extensions import db
from app.learn.content import check_content, course_snapshot, export_course, load_content
from app.learn.media import parse_webvtt
from app.learn.models import Course, Lesson, LessonProgress, StepProgress
from tests.learn.conftest import COURSES


def test_shipped_courses_are_valid_vietnamese_content_with_videos_and_rehearsals(app):
    with app.app_context():
        specs, errors = check_content(COURSES)
    assert errors == []
    lessons = [lesson for course in specs for lesson in course.lessons]
    assert len(specs) >= 3
    assert len(lessons) >= 8
    videos = [lesson for lesson in lessons if lesson.kind == "video"]
    assert len(videos) >= 2
    for lesson in videos:
        data = lesson.video.read_bytes()
        assert data[4:8] == b"ftyp"
        assert len(data) < 2 * 1024 * 1024
        cues, problems = parse_webvtt(lesson.captions.read_text(encoding="utf-8"))
        assert problems == []
        assert any("Bấm" in cue.text or "Đăng" in cue.text or "hồ sơ" in cue.text
                                      for cue in cues)
    assert sum(1 for lesson in lessons if any(step.rehearsal for step in lesson.steps)) >= 3
    titles = " ".join(lesson.title for lesson in lessons)
    for topic in ("VNeID", "khai sinh", "tiền điện", "phản ánh", "lừa đảo"):
        assert topic in titles


def test_content_check_cli_accepts_the_shipped_courses(runner):
    result = runner.invoke(args=["content", "check", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert "4 courses" in result.output


def _break(root: Path, name: str, old: str, new: str) -> None:
    path = root / "tai-khoan-dich-vu-cong" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_malformed_yaml_is_refused_naming_file_and_line_and_nothing_is_loaded(app, runner, course_copy):
    _break(course_copy, "kich-hoat-vneid-muc-2.md", 'title: "Xong: tài khoản mức 2"',
           "title: Xong: tài khoản mức 2")
    result = runner.invoke(args=["content", "load", str(course_copy)])
    assert result.exit_code != 0
    lines = (course_copy / "tai-khoan-dich-vu-cong" / "kich-hoat-vneid-muc-2.md").read_text().splitlines()
    bad_line = next(n for n, line in enumerate(lines, 1) if "title: Xong:" in line)
    assert f"courses/tai-khoan-dich-vu-cong/kich-hoat-vneid-muc-2.md:{bad_line}: bad YAML" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) == 0
        assert db.session.scalar(select(func.count(Lesson.id))) == 0


def test_every_kind_of_problem_is_named_with_file_and_line(app, course_copy):
    _break(course_copy, "tao-tai-khoan-dvc.md", 'competences: ["2.3", "2.6"]', 'competences: ["2.3", "9.9"]')
    _break(course_copy, "tao-tai-khoan-dvc.md", "image: media/dvc-otp.png", "image: media/khong-co.png")
    _break(course_copy, "kich-hoat-vneid-muc-2.md", "slug: kich-hoat-vneid-muc-2", "slug: tao-tai-khoan-dvc")
    _break(course_copy, "dang-nhap-bang-vneid.md", "poster: media/dang-nhap-vneid-poster.png",
           "poster: ../../etc/passwd")
    vtt = course_copy / "tai-khoan-dich-vu-cong" / "media" / "dang-nhap-vneid.vtt"
    vtt.write_text(vtt.read_text().replace("00:00:04.462 --> 00:00:09.677", "00:00:04,462 -> 9"))
    with app.app_context():
        _specs, errors = check_content(course_copy)
    text = "\n".join(map(str, errors))
    assert "tao-tai-khoan-dvc.md:7: unknown competence code '9.9'" in text
    assert "missing media file media/khong-co.png" in text
    assert "duplicate lesson slug 'tao-tai-khoan-dvc'" in text
    assert "must be a file beside the lesson: ../../etc/passwd" in text
    assert "dang-nhap-vneid.vtt: dòng 7" in text  # the bad cue timing, inside the captions file


def test_load_upserts_by_slug_and_keeps_progress_of_steps_that_still_exist(app, course_copy, make_user):
    user = make_user()
    with app.app_context():
        load_content(course_copy)
        db.session.commit()
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "tao-tai-khoan-dvc"))
        for key in ("mo-trang", "chon-cong-dan"):
            db.session.add(StepProgress(user_id=user.id, lesson_id=lesson.id, step_key=key))
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, last_step_key="chon-cong-dan"))
        db.session.commit()
        lesson_id = lesson.id
    # The author renames a step and removes another: the lesson keeps its id and the progress rows.
    _break(course_copy, "tao-tai-khoan-dvc.md", "title: Mở trang Dịch vụ công", "title: Mở trang DVC")
    path = course_copy / "tai-khoan-dich-vu-cong" / "tao-tai-khoan-dvc.md"
    text = path.read_text()
    start = text.index("  - id: chon-cong-dan")
    path.write_text(text[:start] + text[text.index("  - id: nhap-thong-tin"):])
    with app.app_context():
        load_content(course_copy)
        db.session.commit()
        lesson = db.session.get(Lesson, lesson_id)
        assert [s.key for s in lesson.steps][:2] == ["mo-trang", "nhap-thong-tin"]
        assert lesson.steps[0].title == "Mở trang DVC"
        from app.learn.progress import done_keys

        assert done_keys(user.id, lesson) == {"mo-trang"}
        assert db.session.scalar(select(func.count(Course.id))) == 1


def test_export_then_load_is_lossless(app, shipped, tmp_path):
    with app.app_context():
        before = {c.slug: course_snapshot(c) for c in db.session.scalars(select(Course))}
        for course in db.session.scalars(select(Course)):
            export_course(course, tmp_path / "out")
        specs, errors = check_content(tmp_path / "out")
        assert errors == []
        load_content(tmp_path / "out")
        db.session.commit()
        after = {c.slug: course_snapshot(c) for c in db.session.scalars(select(Course))}
    assert after == before
    steps = [step for c in after.values() for lesson in c["lessons"] for step in lesson["steps"]]
    assert any(step["rehearsal"] for step in steps)


def test_export_cli_writes_the_course_format(runner, shipped, tmp_path):
    result = runner.invoke(args=["content", "export", "thu-tuc-cho-tre-moi-sinh", "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    course_dir = tmp_path / "thu-tuc-cho-tre-moi-sinh"
    assert (course_dir / "course.yml").is_file()
    assert (course_dir / "lien-thong-khai-sinh.md").read_text().startswith("---\nslug: lien-thong-khai-sinh")
    assert (course_dir / "media" / "tra-cuu-ho-so.mp4").is_file()


def test_demo_seed_loads_the_courses(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) >= 3
