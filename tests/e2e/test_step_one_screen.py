"""One screen per step (issue 18, item 1): on a 360×740 phone, every step of the birth-registration
lesson shows its title, its instruction and its action (rehearsal form, check question or Next)
starting within the first screen, at the normal and at the large-text setting. A step's picture
comes after the instruction and the action, is no bigger than what it shows, and a check step's
picture (which circles the answer) appears only once the check is passed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.extensions import db
from tests.e2e.conftest import choose_option

COURSES = Path(__file__).resolve().parents[2] / "courses"
LESSON = "/learn/thu-tuc-cho-tre-moi-sinh/lien-thong-khai-sinh"
SCREEN = 740
TAP = 44  # the action must be visible by at least a finger's height


@pytest.fixture
def loaded(app):
    from app.learn.content import load_content

    with app.app_context():
        load_content(COURSES)
        db.session.commit()


def _top(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"]


def _action(page) -> str:
    for selector in ("[data-testid=rehearsal]", "[data-testid=check]"):
        if page.locator(selector).count():
            return selector
    return "#next"


def _walk(page) -> list[str]:
    """Each step's measures; returns what does not fit."""
    problems = []
    page.goto(f"{LESSON}/step/1")
    total = int(re.findall(r"\d+", page.locator("#step-counter").inner_text())[1])
    assert total == 8
    for number in range(1, total + 1):
        page.goto(f"{LESSON}/step/{number}")
        page.wait_for_load_state("load")
        action = _action(page)
        tops = {"title": _top(page, "main h1"), "instruction": _top(page, ".step-text"),
                "action": _top(page, action)}
        for what, top in tops.items():
            if top + TAP > SCREEN:
                problems.append(f"step {number}: the {what} starts at {top:.0f} px")
        assert tops["title"] < tops["instruction"] < tops["action"]
        if page.locator("#step-image").count():
            image = page.locator("#step-image").bounding_box()
            assert image["y"] > tops["action"], f"step {number}: the picture comes before the action"
            natural = page.evaluate("document.querySelector('#step-image').naturalHeight")
            assert image["height"] <= natural + 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    return problems


def test_every_step_starts_within_the_first_phone_screen(phone_page, loaded):
    assert _walk(phone_page) == []


def test_every_step_starts_within_the_first_screen_with_large_text(phone_page, loaded):
    page = phone_page
    page.goto(f"{LESSON}/step/1")
    page.locator("footer button[name=large_text][value='1']").click()
    page.wait_for_load_state("load")
    assert "large-text" in (page.get_attribute("body", "class") or "")
    assert _walk(page) == []


def test_a_check_steps_picture_appears_only_after_the_check_is_passed(phone_page, app, loaded, make_user):
    page = phone_page
    user = make_user()
    page.goto("/auth/login")
    page.fill("input[name=login]", user.phone)
    page.fill("input[name=password]", "secret-pass-1")
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{LESSON}/step/7")
    assert page.locator("[data-testid=check]").is_visible()
    assert page.locator("#step-image").count() == 0
    assert "bưu chính công ích được khoanh" not in page.content()  # nor its description
    choose_option(page, app, LESSON, 7, 2)
    page.click("#next")
    page.wait_for_url("**/step/8")
    page.goto(f"{LESSON}/step/7")
    assert page.locator("#step-image").is_visible()


def test_the_learners_menu_folds_into_one_button_and_opens_without_javascript(phone_page, loaded):
    page = phone_page
    page.goto(f"{LESSON}/step/1")
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 60
    assert not page.locator("nav .nav").is_visible()
    page.locator(".site-menu > summary").click()
    assert page.locator("nav .nav").is_visible()
