"""Fixtures of the learning tests: the shipped courses loaded, a small course written to a temp dir."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.extensions import db

COURSES = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture
def load_courses(app):
    """``load_courses(path=courses/)`` loads content files and commits; returns the LoadResult."""

    def do(path: Path = COURSES):
        from app.learn.content import load_content

        with app.app_context():
            result = load_content(path)
            db.session.commit()
            return result

    return do


@pytest.fixture
def shipped(load_courses):
    """The real courses/ content, loaded."""
    return load_courses()


@pytest.fixture
def course_copy(tmp_path):
    """A copy of one shipped course in a temporary content root (to break or edit freely)."""
    root = tmp_path / "courses"
    shutil.copytree(COURSES / "tai-khoan-dich-vu-cong", root / "tai-khoan-dich-vu-cong")
    return root


def check_answer(client, app, url: str, number: int) -> dict:
    """The form data that answers the check of the step at ``url`` with its authored option
    ``number`` (1-based), read from the page as a learner sees it: the showing's ``layout`` and
    the option's token (options are shuffled and identified per showing)."""
    import re

    from app.learn.progress import find_lesson

    html = client.get(url).get_data(as_text=True)
    layout = re.search(r'name="layout" value="([0-9a-f]+)"', html).group(1)
    shown = {text.strip(): value for value, text in
             re.findall(r'<input type="radio" name="choice" value="([0-9a-f]+)"[^>]*>([^<]*)</label>', html)}
    course_slug, lesson_slug, step_number = re.search(r"/learn/([^/]+)/([^/]+)/step/(\d+)", url).groups()
    with app.app_context():
        step = find_lesson(course_slug, lesson_slug, include_drafts=True).steps[int(step_number) - 1]
        text = str(step.check["options"][number - 1])
    return {"layout": layout, "choice": shown[text]}
