"""A citizen takes a round on a phone-sized screen, then finds their rank and their commune on the
boards (Playwright, 360×740)."""

from __future__ import annotations

import re
from datetime import timedelta

from app.core.extensions import db
from tests.conftest import PASSWORD


def test_a_citizen_takes_a_round_on_a_phone_and_finds_rank_and_commune(app, phone_page, make_user, tree):
    from app.contests.banks import QuestionData, save_bank
    from app.contests.models import Contest, ContestRound
    from app.core.types import utcnow
    from app.localities.service import get_by_code

    user = make_user(full_name="Nguyễn Văn Điện", locality="9010101")
    with app.app_context():
        save_bank(
            "thu",
            "Thử",
            [
                QuestionData(f"q{i}", f"Câu hỏi số {i}?", ["Đúng", "Sai", "Sai nữa"], [0], "", "2.3", 1, [])
                for i in range(6)
            ],
            "file",
        )
        contest = Contest(
            slug="cuoc-thi", title="Cuộc thi thử", groups=["citizen"], eligibility_id=get_by_code("90").id
        )
        db.session.add(contest)
        db.session.flush()
        now = utcnow()
        db.session.add(
            ContestRound(
                contest_id=contest.id,
                number=1,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=1),
                question_count=4,
                draw={"banks": ["thu"]},
                time_limit_seconds=600,
            )
        )
        db.session.commit()
    page = phone_page
    page.goto("/auth/login?next=/contests/cuoc-thi")
    page.fill("#login", user.phone)
    page.fill("#password", PASSWORD)
    page.locator("form.card [type=submit]").click()
    page.wait_for_url(re.compile(r"/contests/cuoc-thi$"))
    page.click("#register-link")
    page.click("#register-submit")
    # registering lands on the open round's start button
    page.wait_for_url(re.compile(r"/contests/cuoc-thi/rounds/1#start-attempt$"))
    page.click("#start-attempt")
    page.wait_for_selector("#attempt-form")
    assert page.locator("#countdown").inner_text().strip().startswith("(")
    # Answer "Đúng" in every question: find the label with that text inside each fieldset.
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("label", has_text=re.compile(r"^Đúng$")).click()
    page.wait_for_selector("#autosave-status:not(:empty)")
    page.fill("#prediction", "3")
    page.click("#submit-attempt")
    page.click("#submit-dialog-confirm")  # the confirmation dialog (issue 15)
    page.wait_for_selector('[data-testid="score"]')
    assert "4/4" in page.locator('[data-testid="score"]').inner_text()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#back-to-round")
    page.click('[data-testid="nav-board"]')
    assert "1" in page.locator('[data-testid="own-rank"]').inner_text()
    assert "Nguyễn V. Đ" in page.locator('[data-testid="board"]').inner_text()
    page.click('[data-testid="nav-localities"]')
    page.click("text=Huyện Một")
    row = page.locator('[data-testid="locality-board"] tr[data-code="90101"]')
    assert "Xã Tân Thành" in row.inner_text()
    assert row.locator("td.num").first.inner_text() == "1"
