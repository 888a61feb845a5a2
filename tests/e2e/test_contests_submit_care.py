"""Submitting with care on a 360 px phone (issue 15, item 4): the participant sees how many
questions are unanswered and confirms before anything is submitted (a confirmation page without
JavaScript, a dialog with it), and is warned when 5 minutes and 1 minute remain (visible, in a
role="alert" region read out by screen readers). With JavaScript the page also counts how often
it lost focus and sends it with the submit (item 5)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def contest_round(app, tree, make_user):
    """A registered citizen and an open round of 4 questions with a 4-minute time limit."""
    from app.accounts.models import User
    from app.contests.banks import QuestionData, save_bank
    from app.contests.models import Contest, ContestRound
    from app.contests.service import register_entry
    from app.core.types import utcnow
    from app.localities.service import get_by_code

    user = make_user(full_name="Trần Văn Cẩn", locality="9010101")
    with app.app_context():
        save_bank("thu", "Thử", [QuestionData(f"q{i}", f"Câu hỏi số {i}?", ["Đúng", "Sai", "Sai nữa"], [0], "",
                                              "2.3", 1, []) for i in range(6)], "file")
        contest = Contest(slug="cuoc-thi", title="Cuộc thi thử", groups=["citizen"],
                          eligibility_id=get_by_code("90").id)
        db.session.add(contest)
        db.session.flush()
        now = utcnow()
        db.session.add(ContestRound(contest_id=contest.id, number=1, opens_at=now - timedelta(hours=1),
                                    closes_at=now + timedelta(days=1), question_count=4, draw={"banks": ["thu"]},
                                    time_limit_seconds=240, attempts_allowed=1))
        register_entry(contest, db.session.get(User, user.id), "citizen", user.full_name, 1980,
                       get_by_code("9010101"))
        db.session.commit()
    return user


def _start(page, user):
    page.goto("/auth/login?next=/contests/cuoc-thi/rounds/1")
    page.fill("#login", user.phone)
    page.fill("#password", PASSWORD)
    page.locator("form.card [type=submit]").click()
    page.wait_for_url(re.compile(r"/contests/cuoc-thi/rounds/1$"))
    page.click("#start-attempt")
    page.wait_for_selector("#attempt-form")


def _status(app, user) -> str:
    from app.contests.models import ContestAttempt

    with app.app_context():
        return db.session.scalar(db.select(ContestAttempt.status).where(ContestAttempt.user_id == user.id))


@pytest.fixture
def phone_without_js(_browser, live_server):
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server,
                                   java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_without_javascript_a_confirmation_page_counts_the_unanswered_and_the_warning_shows(
        app, phone_without_js, contest_round):
    page = phone_without_js
    _start(page, contest_round)
    # 4 minutes left at most: the 5-minute warning is on the page, in an alert region.
    warning = page.locator("#time-warning")
    assert warning.is_visible()
    assert warning.get_attribute("role") == "alert"
    assert warning.inner_text().strip()
    page.locator("fieldset.question").first.locator("label", has_text=re.compile(r"^Đúng$")).click()
    page.click("#submit-attempt")
    summary = page.locator('[data-testid="submit-summary"]')
    summary.wait_for()
    assert re.search(r"\b3\b.*\b4\b", summary.inner_text(), re.S)
    assert _status(app, contest_round) == "open"  # nothing submitted by the first tap
    page.click("#back-to-answers")
    page.wait_for_selector("#attempt-form")
    # The answer given before the confirmation page was saved.
    assert page.locator("fieldset.question").first.locator("input:checked").count() == 1
    page.click("#submit-attempt")
    page.click("#confirm-submit")
    page.wait_for_selector('[data-testid="score"]')
    assert _status(app, contest_round) == "submitted"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_with_javascript_a_dialog_confirms_and_warnings_come_at_five_and_one_minute(
        app, phone_page, contest_round):
    from app.contests.models import ContestRound

    with app.app_context():
        db.session.scalar(db.select(ContestRound)).time_limit_seconds = 600  # 10 minutes
        db.session.commit()
    page = phone_page
    page.clock.install()
    _start(page, contest_round)
    warning = page.locator("#time-warning")
    assert not warning.is_visible()  # 10 minutes left: no warning yet
    assert warning.get_attribute("role") == "alert"
    page.clock.fast_forward("05:10")  # under 5 minutes left
    warning.wait_for(state="visible")
    five = warning.inner_text().strip()
    assert five
    page.clock.fast_forward("04:00")  # under a minute left
    page.wait_for_function("(five) => document.getElementById('time-warning').textContent.trim() !== five",
                           arg=five)
    assert warning.inner_text().strip()
    page.locator("fieldset.question").nth(1).locator("label", has_text=re.compile(r"^Đúng$")).click()
    page.click("#submit-attempt")
    dialog = page.locator("#submit-dialog")
    assert dialog.is_visible()
    assert re.search(r"\b3\b.*\b4\b", page.locator("#submit-dialog-count").inner_text(), re.S)
    page.click("#submit-dialog-back")
    assert not dialog.is_visible()
    assert _status(app, contest_round) == "open"
    # The page loses focus twice (another app, another tab): counted and sent with the submit.
    page.evaluate("window.dispatchEvent(new Event('blur')); window.dispatchEvent(new Event('blur'))")
    page.click("#submit-attempt")
    page.click("#submit-dialog-confirm")
    page.wait_for_selector('[data-testid="score"]')
    assert _status(app, contest_round) == "submitted"
    from app.contests.models import ContestAttemptTrace

    with app.app_context():
        trace = db.session.scalar(db.select(ContestAttemptTrace))
        assert trace.focus_lost == 2
        assert trace.start_address == "127.0.0.1"
        assert trace.submit_agent == trace.start_agent
    assert "1/4" in page.locator('[data-testid="score"]').inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
