"""Narration: ``flask content narrate`` speaks Vietnamese (espeak-ng) for steps without audio; the
player shows a listen control; rehearsal rules are checked on the server."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from app.learn.content import check_content
from app.learn.progress import check_rehearsal


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("ffmpeg")),
                    reason="espeak-ng/ffmpeg not installed (.ci/run installs them)")
def test_narrate_generates_speech_for_steps_without_audio_and_the_loader_uses_it(app, runner, course_copy):
    narration = course_copy / "tai-khoan-dich-vu-cong" / "media" / "narration"
    shutil.rmtree(narration)
    with app.app_context():
        specs, _errors = check_content(course_copy)
        assert all(step.audio is None for lesson in specs[0].lessons for step in lesson.steps)
    result = runner.invoke(args=["content", "narrate", str(course_copy)])
    assert result.exit_code == 0, result.output
    made = narration / "tao-tai-khoan-dvc--nhap-otp.mp3"
    assert made.is_file()
    assert made.stat().st_size > 1000
    assert made.read_bytes()[:3] == b"ID3" or made.read_bytes()[0] == 0xFF
    with app.app_context():
        specs, errors = check_content(course_copy)
    assert errors == []
    steps = [step for lesson in specs[0].lessons for step in lesson.steps]
    assert all(step.audio is not None for step in steps)
    again = runner.invoke(args=["content", "narrate", str(course_copy)])
    assert "0 narration files written" in again.output


def test_the_step_page_offers_a_listen_control(client, shipped):
    html = client.get("/learn/tai-khoan-dich-vu-cong/tao-tai-khoan-dvc/step/1").get_data(as_text=True)
    assert "<audio controls" in html
    assert 'preload="none"' in html


REHEARSAL = {"fields": [
    {"name": "cccd", "type": "digits", "length": 12, "label": "CCCD", "hint": "12 số"},
    {"name": "ngay", "type": "date", "not_future": True, "label": "Ngày sinh", "hint": "không sau hôm nay"},
    {"name": "tt", "type": "select", "options": ["A", "B"], "expected": "B", "label": "Thủ tục",
     "hint": "chọn B"},
    {"name": "sdt", "type": "phone", "label": "SĐT", "hint": "10 số"},
]}


@pytest.mark.parametrize(("values", "wrong"), [
    ({"cccd": "0700 8500 1234", "ngay": "2024-03-12", "tt": "B", "sdt": "0912345678"}, set()),
    ({"cccd": "07008500123", "ngay": "2024-03-12", "tt": "B", "sdt": "0912345678"}, {"cccd"}),
    ({"cccd": "070085001234", "ngay": "2030-01-01", "tt": "A", "sdt": "12345"}, {"ngay", "tt", "sdt"}),
    ({}, {"cccd", "ngay", "tt", "sdt"}),
])
def test_rehearsal_is_checked_field_by_field(values, wrong):
    mistakes = check_rehearsal(REHEARSAL, values, today=date(2025, 1, 1))
    assert set(mistakes) == wrong
    hints = {f["name"]: f["hint"] for f in REHEARSAL["fields"]}
    assert all(mistakes[name] == hints[name] for name in wrong)
