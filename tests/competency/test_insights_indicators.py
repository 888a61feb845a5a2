"""Every dashboard figure names its indicator and shows what it counts out of what, in the
reader's number format; units are told apart by code; names sort in Vietnamese order."""

from __future__ import annotations

import csv
import io
import re

from app.competency import reports
from app.core.extensions import db


def _refresh(app):
    with app.app_context():
        reports.refresh_reports(full=True)
        db.session.commit()


def _learners(app, users):
    from app.learn.models import Course, Lesson, LessonProgress

    with app.app_context():
        course = Course(slug="c", title="C", lessons=[Lesson(slug="l", title="L")])
        db.session.add(course)
        db.session.flush()
        for user in users:
            db.session.add(LessonProgress(user_id=user.id, lesson_id=course.lessons[0].id))
        db.session.commit()


def _kpi(html: str, key: str) -> str:
    match = re.search(rf'data-testid="kpi-{key}"[^>]*>([^<]*)<', html)
    assert match, key
    return match.group(1)


def test_learner_share_divides_by_the_registered_people_it_names(client, app, login, tree, make_user):
    """The defect: "221 người dân, 26 người học (9.6%)" divided by citizens + officials while
    showing only citizens. Now the tile says "1 / 3 người (33,3%)" out of registered people,
    and the registered people (citizens and officials) are a tile of their own."""
    learner = make_user(locality="9010101")
    make_user(locality="9010101")
    make_user(locality="9010101", kind="official")
    _learners(app, [learner])
    _refresh(app)
    login(make_user(roles={"manager": "901"}))
    html = client.get("/insights/unit/901").get_data(as_text=True)
    assert _kpi(html, "learner_share") == "1 / 3 người (33,3%)"
    assert _kpi(html, "registered_people") == "3"
    assert _kpi(html, "citizens") == "2"
    assert _kpi(html, "officials") == "1"
    assert "Tỷ lệ người học trong số người đã đăng ký" in html
    # a rate of nothing is not 0%: no enrollment, no compliance figure
    assert _kpi(html, "training_compliance") == "0 / 0 lượt giao (—)"


def test_english_readers_get_english_names_and_numbers(client, app, login, tree, make_user):
    for _ in range(2):
        make_user(locality="9010101")
    _refresh(app)
    login(make_user(roles={"manager": "901"}))
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = client.get("/insights/unit/901").get_data(as_text=True)
    assert "Learners among registered people" in html
    assert _kpi(html, "learner_share") == "0 / 2 people (0.0%)"


def test_thousands_use_the_vietnamese_separator(app):
    from app.competency import indicators

    with app.test_request_context("/"):
        measure = indicators.get("learner_share").measure({"learners": 1080, "citizens": 2000, "officials": 400})
        assert measure.text() == "1.080 / 2.400 người (45,0%)"


def test_same_named_units_are_told_apart_by_code(client, app, login, tree, make_locality, make_user):
    make_locality("90102", "Ấp 1", "Ấp", parent="90101")  # a second "Ấp 1" in the same commune
    make_user(locality="9010101")
    _refresh(app)
    login(make_user(roles={"manager": "90101"}))
    html = client.get("/insights/unit/90101").get_data(as_text=True)
    assert "Ấp Ấp 1 (9010101)" in html or "Ấp 1 (9010101)" in html
    assert "(90102)" in html


def test_children_sort_in_vietnamese_order(client, app, login, make_locality, make_user):
    make_locality("80", "Thử", "Tỉnh")
    for code, name in (("801", "Zê"), ("802", "Đồng Xoài"), ("803", "Dương"), ("804", "Em")):
        make_locality(code, name, "Xã", parent="80")
    _refresh(app)
    login(make_user(roles={"manager": "80"}))
    html = client.get("/insights/unit/80?sort=name&dir=asc").get_data(as_text=True)
    order = sorted(("801", "802", "803", "804"), key=lambda c: html.index(f'data-code="{c}"'))
    assert order == ["803", "802", "804", "801"]  # Dương, Đồng Xoài, Em, Zê


def test_exported_shares_carry_numerator_denominator_and_percent(client, app, login, tree, make_user):
    learner = make_user(locality="9010101")
    make_user(locality="9010101")
    _learners(app, [learner])
    _refresh(app)
    login(make_user(roles={"manager": "90"}))
    text = client.get("/insights/unit/90/export/children.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "Mã")
    header = rows[header_at]
    name = "Tỷ lệ người học trong số người đã đăng ký"
    cols = [header.index(f"{name}: tử số (người)"), header.index(f"{name}: mẫu số (người)"),
            header.index(f"{name} (%)")]
    d1 = next(r for r in rows[header_at + 1:] if r and r[0] == "901")
    assert [d1[c] for c in cols] == ["1", "2", "50.0"]
