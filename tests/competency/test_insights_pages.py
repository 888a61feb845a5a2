"""Dashboard pages: scope, drill-down, sorting and lagging flags, charts and exports; the profile page."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.competency import reports
from app.competency.evidence import record_evidence
from app.core.extensions import db


def _refresh(app):
    with app.app_context():
        reports.refresh_reports(full=True)
        db.session.commit()


def test_district_manager_sees_own_district_and_not_the_other(client, app, login, tree, make_user):
    make_user(locality="9010101")
    _refresh(app)
    login(make_user(roles={"manager": "901"}))
    page = client.get("/insights/unit/901")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="drill-90101"' in html
    assert client.get("/insights/unit/90101").status_code == 200
    for url in (
        "/insights/unit/902",
        "/insights/unit/90",
        "/insights/unit/902/chart/bars.png",
        "/insights/unit/902/export/children.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/insights/").headers["Location"].endswith("/insights/unit/901")


def test_citizens_cannot_open_dashboards(client, login, tree, make_user):
    login(make_user(locality="9010101"))
    assert client.get("/insights/unit/901").status_code == 403


def test_charts_and_exports(client, app, login, tree, make_user):
    make_user(locality="9010101")
    _refresh(app)
    login(make_user(roles={"manager": "90"}))
    for kind in ("bars", "heatmap", "trend"):
        png = client.get(f"/insights/unit/90/chart/{kind}.png")
        assert png.status_code == 200, kind
        assert png.data.startswith(b"\x89PNG"), kind
    svg = client.get("/insights/unit/90/chart/bars.svg")
    assert svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data
    xlsx = client.get("/insights/unit/90/export/children.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    with app.test_request_context():  # the title and header are in the request's language
        from flask_babel import gettext

        from app.core.templating import local_dt

        assert rows[0][0] == gettext("Units compared")  # the title block, then a blank line
        header = next(i for i, r in enumerate(rows) if r and r[0] == gettext("Code"))
        as_of = [r[0] for r in rows[:header] if str(r[0]).startswith(gettext("As of") + ": ")]
        assert as_of == [gettext("As of") + ": " + gettext(
            "Figures as of %(time)s (Asia/Ho_Chi_Minh).", time=local_dt(reports.figures_as_of(), "short"))]
    assert header == 5  # title, unit, as of, exported by/at, blank line
    assert sheet.freeze_panes == f"A{header + 2}"
    assert {r[0] for r in rows[header + 1:]} == {"901", "902"}
    d1 = next(r for r in rows[header + 1:] if r[0] == "901")
    assert d1[2] == 1  # one citizen in district 901
    csv = client.get("/insights/unit/90/export/weeks.csv")
    assert csv.data.startswith("\ufeff".encode())
    assert len(csv.data.decode("utf-8-sig").splitlines()) == 5 + 13  # title block, blank line, table


def test_child_table_sorts_and_flags_lagging_units(client, app, login, tree, make_user):
    learner = make_user(locality="9010101")
    make_user(locality="9020101")
    with app.app_context():
        from app.learn.models import Course, Lesson, LessonProgress

        course = Course(slug="c", title="C", lessons=[Lesson(slug="l", title="L")])
        db.session.add(course)
        db.session.flush()
        db.session.add(LessonProgress(user_id=learner.id, lesson_id=course.lessons[0].id))
        db.session.commit()
    _refresh(app)
    login(make_user(roles={"manager": "90"}))
    html = client.get(
        "/insights/unit/90?sort=learner_rate&dir=desc&metric=learner_rate&threshold=50"
    ).get_data(as_text=True)
    assert html.index('data-code="901"') < html.index('data-code="902"')
    row_902 = html[html.index('<tr class="lagging" data-code="902"') :]
    assert row_902
    assert '<tr class="" data-code="901"' in html
    html = client.get("/insights/unit/90?sort=learner_rate&dir=asc").get_data(as_text=True)
    assert html.index('data-code="902"') < html.index('data-code="901"')


def test_profile_page_shows_levels_table_radar_and_suggestions(client, app, login, make_user):
    user = make_user()
    with app.app_context():
        from app.learn.models import Course, Lesson

        db.session.add(
            Course(
                slug="an-toan",
                title="An toàn",
                lessons=[
                    Lesson(slug="otp", title="Giữ mã OTP", competences=["4.2"]),
                    Lesson(slug="vneid", title="Tài khoản VNeID", competences=["2.6"]),
                ],
            )
        )
        for n in range(6):
            record_evidence(user.id, ["4.2", "2.3"], "practice", f"q{n}", True)
        db.session.commit()
    login(user)
    html = client.get("/insights/me").get_data(as_text=True)
    assert 'data-level="3"' in html
    assert 'id="area-levels"' in html
    assert 'id="radar"' in html
    assert html.index("Tài khoản VNeID") < html.index("Giữ mã OTP")  # weakest competence first
    radar = client.get("/insights/me/radar.png")
    assert radar.status_code == 200
    assert radar.data.startswith(b"\x89PNG")


def test_placement_test_records_evidence(client, app, login, make_user):
    user = make_user()
    with app.app_context():
        from app.contests.models import Question, QuestionBank

        bank = QuestionBank(slug="p", title="P")
        db.session.add(bank)
        db.session.flush()
        for n, code in enumerate(["0.1", "1.1", "2.3", "3.1", "4.2", "5.1", "2.3"]):
            db.session.add(
                Question(
                    bank_id=bank.id,
                    key=f"k{n}",
                    text=f"Câu {n}",
                    options=["a", "b"],
                    correct=[1],
                    competence_code=code,
                    difficulty=3,
                )
            )
        db.session.commit()
    login(user)
    page = client.get("/insights/placement").get_data(as_text=True)
    assert page.count('type="radio"') == 14  # 7 questions: up to 2 per area
    with client.session_transaction() as session:
        drawn = session["placement"]
    response = client.post("/insights/placement", data={f"q{qid}": "1" for qid in drawn})
    assert response.status_code == 302
    with app.app_context():
        from app.competency.models import Evidence, PersonLevel

        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Evidence).where(Evidence.source == "placement")
            )
            == 7
        )
        assert db.session.get(PersonLevel, user.id).level >= 3
