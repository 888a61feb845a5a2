"""Exchange with Moodle (issue 16, item 2): GIFT, Moodle XML and Aiken files in, Moodle XML and GIFT
out, on the command line and on the organizer's pages. Moodle's own fixture files are read where
they are (``../shared/interop/moodle/``), beside Vietnamese files of ours."""
from __future__ import annotations

import base64
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import select

from app.contests.models import Question, QuestionBank
from app.core.extensions import db
from app.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
MOODLE = ROOT.parent / "shared" / "interop" / "moodle"
OURS = Path(__file__).parent / "fixtures"


@pytest.fixture
def moodle() -> Path:
    if not MOODLE.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Moodle's fixture files are missing: {MOODLE}")
        pytest.skip(f"Moodle's fixture files are not beside the repository ({MOODLE})")
    return MOODLE


def _questions(app, slug: str) -> dict[str, Question]:
    with app.app_context():
        bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
        if bank is None:
            return {}
        rows = db.session.scalars(select(Question).where(Question.bank_id == bank.id)).all()
        for row in rows:
            db.session.expunge(row)
        return {q.key: q for q in rows}


def _snapshot(app, slug: str) -> dict:
    return {key: (q.text, q.options, q.correct, q.explanation, q.competence_code, q.difficulty, sorted(q.tags),
                  q.image.sha256 if q.image else None)
            for key, q in _questions(app, slug).items()}


def test_moodle_gift_lists_unsupported_questions_and_writes_nothing_without_the_flag(app, runner, moodle, ctx):
    result = runner.invoke(args=["contests", "import-bank", str(moodle / "questions.gift.txt"), "--bank", "moodle",
                                 "--competence", "2.3"])
    assert result.exit_code != 0
    # the command line speaks the default language, Vietnamese
    for listed in ("Q8 (tự luận)", "Moodle activities (ghép đôi)", "Q5 (trả lời bằng số)", "Shortanswer (trả lời ngắn)"):
        assert listed in result.output
    assert "--skip-unsupported" in result.output
    assert _questions(app, "moodle") == {}


def test_moodle_gift_imports_choice_and_true_false_questions_when_skipping_the_rest(app, runner, moodle):
    result = runner.invoke(args=["contests", "import-bank", str(moodle / "questions.gift.txt"), "--bank", "moodle",
                                 "--competence", "2.3", "--skip-unsupported"])
    assert result.exit_code == 0, result.output
    assert "5 questions imported" in result.output
    questions = _questions(app, "moodle")
    assert sorted(questions) == ["2-08-tsl", "2-08-tsl-2", "colours", "q1", "q2"]
    single = questions["q2"]
    assert single.options == ["yellow", "red", "blue"]
    assert single.correct == [0]
    several = questions["colours"]
    assert several.options == ["yellow", "red", "off-beige", "blue"]
    assert several.correct == [0, 2]
    true_false = questions["q1"]
    assert true_false.options == ["Đúng", "Sai"]  # two options in the UI's language (Vietnamese)
    assert true_false.correct == [1]
    assert true_false.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert questions["2-08-tsl"].correct == [0]


def test_moodle_xml_categories_become_tags_and_the_essay_is_listed(app, runner, moodle):
    path = str(moodle / "nested_categories_with_questions.xml")
    refused = runner.invoke(args=["contests", "import-bank", path, "--competence", "2.3"])
    assert refused.exit_code != 0
    assert "Kappa Essay Question (tự luận)" in refused.output
    result = runner.invoke(args=["contests", "import-bank", path, "--competence", "2.3", "--skip-unsupported"])
    assert result.exit_code == 0, result.output
    questions = _questions(app, "nested-categories-with-questions")
    assert {k: q.tags for k, q in questions.items()} == {
        "iota-question": ["iota"], "kappa-question": ["iota/kappa"], "lambda-question": ["iota/kappa/lambda"],
        "mu-question": ["iota/mu"]}
    assert questions["iota-question"].text == "Testing Iota Question"  # <p> gone
    assert questions["iota-question"].correct == [0]


def test_moodle_aiken_file_is_read_as_moodle_reads_it(app, runner, moodle):
    result = runner.invoke(args=["contests", "import-bank", str(moodle / "questions.aiken.txt"), "--bank", "aiken",
                                 "--competence", "2.3"])
    assert result.exit_code == 0, result.output
    questions = sorted(_questions(app, "aiken").values(), key=lambda q: q.id)
    assert questions[0].options == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"]
    assert questions[0].correct == [1]
    # Aiken is plain text: what looks like markup stays text (escaped on the page)
    assert questions[1].text == 'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'


def test_a_malformed_question_is_named_by_line_and_nothing_is_written(app, runner, moodle):
    result = runner.invoke(args=["contests", "import-bank", str(moodle / "aiken_errors.txt"), "--format", "aiken",
                                 "--bank", "broken", "--competence", "2.3"])
    assert result.exit_code != 0
    for line in ("Dòng 3", "Dòng 5", "Dòng 7", "dòng 18"):  # the lines Moodle's own test names
        assert line in result.output
    assert _questions(app, "broken") == {}
    gift = OURS / "cau-hoi-vneid.gift.txt"
    broken = gift.read_text(encoding="utf-8").replace("####Không bao giờ đưa mã OTP cho ai.}", "")
    path = Path(app.config["UPLOAD_DIR"]).parent / "broken.gift"
    path.write_text(broken, encoding="utf-8")
    result = runner.invoke(args=["contests", "import-bank", str(path), "--bank", "broken"])
    assert result.exit_code != 0
    assert "Dòng 19 (vneid-003)" in result.output
    assert _questions(app, "broken") == {}


def test_vietnamese_gift_carries_competence_difficulty_tags_and_sanitized_html(app, runner):
    result = runner.invoke(args=["contests", "import-bank", str(OURS / "cau-hoi-vneid.gift.txt"),
                                 "--bank", "vneid", "--competence", "2.3", "--difficulty", "2"])
    assert result.exit_code == 0, result.output
    questions = _questions(app, "vneid")
    first = questions["vneid-001"]
    assert (first.competence_code, first.difficulty) == ("2.6", 1)  # from its tags
    assert first.tags == ["vneid", "định danh điện tử"]  # its own tag, then its category
    assert first.explanation == "VNeID do Bộ Công an phát triển."
    several = questions["vneid-002"]
    assert several.text == "Những giấy tờ nào tích hợp được vào VNeID?"
    assert several.correct == [0, 1]
    assert (several.competence_code, several.difficulty) == ("2.3", 2)  # the defaults
    assert questions["vneid-003"].correct == [1]


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) \
        + chunk(b"IEND", b"")


def _xml_with_image() -> bytes:
    image = base64.b64encode(_png()).decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Ảnh màn hình VNeID</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Màn hình này là <strong>bước nào</strong>?<script>alert(1)</script></p>
<p><img src="@@PLUGINFILE@@/man%20hinh.png" alt="" onerror="alert(2)"></p>]]></text>
      <file name="man hinh.png" path="/" encoding="base64">{image}</file>
    </questiontext>
    <generalfeedback format="html"><text><![CDATA[<p>Bước <em>đăng nhập</em>.</p>]]></text></generalfeedback>
    <idnumber>anh-01</idnumber>
    <single>true</single>
    <answer fraction="100" format="html"><text>Đăng nhập</text></answer>
    <answer fraction="0" format="html"><text><![CDATA[<b>Đăng ký</b>]]></text></answer>
    <tags><tag><text>competence:2.6</text></tag><tag><text>difficulty:3</text></tag><tag><text>vneid</text></tag></tags>
  </question>
</quiz>""".encode()


def test_moodle_xml_image_is_stored_like_an_uploaded_image_and_html_is_sanitized(app, runner, tmp_path):
    path = tmp_path / "anh.xml"
    path.write_bytes(_xml_with_image())
    result = runner.invoke(args=["contests", "import-bank", str(path), "--bank", "anh"])
    assert result.exit_code == 0, result.output
    question = _questions(app, "anh")["anh-01"]
    assert question.text == "Màn hình này là bước nào?"
    assert "alert" not in question.text
    assert question.options == ["Đăng nhập", "Đăng ký"]
    assert question.explanation == "Bước đăng nhập."
    assert question.image is not None
    assert question.image.kind == "image"
    assert question.image.content_type == "image/png"
    stored = Path(app.config["UPLOAD_DIR"]) / question.image.token
    assert stored.read_bytes() == _png()


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift"])
def test_import_export_import_is_lossless(app, runner, tmp_path, fmt):
    for source in (OURS / "cau-hoi-vneid.gift.txt", OURS / "cau-hoi.aiken.txt"):
        assert runner.invoke(args=["contests", "import-bank", str(source), "--bank", "goc", "--competence", "2.3",
                                   "--difficulty", "2"]).exit_code == 0
    if fmt == "moodle-xml":  # GIFT carries no files: the image travels through Moodle XML only
        path = tmp_path / "anh.xml"
        path.write_bytes(_xml_with_image())
        assert runner.invoke(args=["contests", "import-bank", str(path), "--bank", "goc"]).exit_code == 0
    exported = tmp_path / f"goc.{fmt}"
    result = runner.invoke(args=["contests", "export-bank", "goc", "--format", fmt, "-o", str(exported)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["contests", "import-bank", str(exported), "--bank", "ban-sao", "--format", fmt])
    assert result.exit_code == 0, result.output
    original = _snapshot(app, "goc")
    assert len(original) == 5 + (fmt == "moodle-xml")
    assert _snapshot(app, "ban-sao") == original


def test_export_is_read_by_moodle_rules(app, runner, tmp_path):
    assert runner.invoke(args=["contests", "import-bank", str(OURS / "cau-hoi-vneid.gift.txt"),
                               "--bank", "vneid", "--competence", "2.3"]).exit_code == 0
    gift = runner.invoke(args=["contests", "export-bank", "vneid", "--format", "gift"]).output
    assert "// [id:vneid-002] [tag:định danh điện tử] [tag:competence:2.3] [tag:difficulty:1]" in gift
    assert "~%50%Giấy phép lái xe" in gift
    assert "~%-100%Sổ tiết kiệm" in gift
    xml = runner.invoke(args=["contests", "export-bank", "vneid", "--format", "moodle-xml"]).output
    assert '<question type="multichoice">' in xml
    assert "<single>false</single>" in xml
    assert '<answer fraction="50" format="html">' in xml


# --- the organizer's pages -----------------------------------------------------------------------


def test_organizer_imports_a_moodle_file_after_confirming_the_skipped_types(app, client, login, world, moodle):
    login(world["organizer"])
    content = (moodle / "questions.gift.txt").read_bytes()

    def post(**extra):
        data = {"file": (io.BytesIO(content), "questions.gift.txt"), "bank": "tu-moodle", "competence": "2.3",
                "difficulty": "1", **extra}
        return client.post("/organize/banks/import", data=data, content_type="multipart/form-data")

    first = post()
    assert first.status_code == 400
    page = first.get_data(as_text=True)
    assert 'data-testid="import-unsupported"' in page
    assert "Moodle activities" in page
    assert _questions(app, "tu-moodle") == {}
    second = post(skip_unsupported="y")
    assert second.status_code == 302
    assert len(_questions(app, "tu-moodle")) == 5
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bank.import"))
        assert event.details["skipped"] == 4
    download = client.get("/organize/banks/tu-moodle/export/gift")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert "::colours::" in download.get_data(as_text=True)
    assert client.get("/organize/banks/tu-moodle/export/moodle-xml").status_code == 200
