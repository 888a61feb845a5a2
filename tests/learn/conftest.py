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
