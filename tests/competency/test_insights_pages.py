"""Dashboard pages: scope, drill-down, sorting and lagging flags, charts and exports; the profile page."""

from __future__ import annotations

import io
import re

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
        "/insights/unit/90?sort=learner_share&dir=desc&metric=learner_share&threshold=50"
    ).get_data(as_text=True)
    assert html.index('data-code="901"') < html.index('data-code="902"')
    row_902 = html[html.index('<tr class="lagging" data-code="902"') :]
    assert row_902
    assert '<tr class="" data-code="901"' in html
    html = client.get("/insights/unit/90?sort=learner_share&dir=asc").get_data(as_text=True)
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
    # Options carry per-test tokens; the right one ("b") is chosen by its text, as a person would.
    right = dict(re.findall(r'name="q(\d+)" id="[^"]+" value="([0-9a-f]{8})"> <label[^>]*>b</label>', page))
    assert len(right) == 7
    again = client.get("/insights/placement").get_data(as_text=True)
    tokens = set(re.findall(r'value="([0-9a-f]{8})"', again))
    assert len(tokens) == 14
    assert not tokens & set(re.findall(r'value="([0-9a-f]{8})"', page))  # another test, other tokens
    assert not re.search(r'type="radio" name="q\d+" id="[^"]+" value="\d"', again)  # no bank index
    right = dict(re.findall(r'name="q(\d+)" id="[^"]+" value="([0-9a-f]{8})"> <label[^>]*>b</label>', again))
    response = client.post("/insights/placement", data={f"q{qid}": token for qid, token in right.items()})
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


def test_profile_names_levels_sources_and_competences_in_words(client, app, login, make_user):
    """Issue 18 item 2: "Cuộc thi" not "contest", "Trung cấp 3" not "3", "Chưa có cấp độ" not
    "cấp 0", the competence's name not its code."""
    user = make_user()
    with app.app_context():
        for n in range(6):
            record_evidence(user.id, ["4.2"], "contest", f"q{n}", True)
        record_evidence(user.id, ["2.3"], "lesson_check", "bai/buoc", True)
        db.session.commit()
    login(user)
    html = client.get("/insights/me").get_data(as_text=True)
    evidence = client.get("/insights/me/evidence").get_data(as_text=True)
    evidence = evidence[evidence.index('id="evidence"'):]
    assert "Cuộc thi" in evidence
    assert "Câu hỏi trong bài học" in evidence
    assert ">contest<" not in evidence
    assert ">lesson_check<" not in evidence
    assert ">4.2 " not in evidence
    assert "Bảo vệ dữ liệu cá nhân" in evidence
    areas = html[html.index('id="area-levels"'):html.index("</table>", html.index('id="area-levels"'))]
    assert "Chưa có cấp độ" in areas
    assert "cấp 0" not in html


def test_the_profile_reads_as_words_suggests_three_lessons_first_and_sums_up_evidence(client, app, login, make_user):
    """Issue 18: the profile was a 6,600 px page listing every contest answer."""
    user = make_user()
    with app.app_context():
        from app.learn.models import Course, Lesson

        db.session.add(Course(slug="nhieu-bai", title="Nhiều bài", lessons=[
            Lesson(slug=f"bai-{n}", title=f"Bài số {n}", position=n, competences=["2.6"]) for n in range(5)]))
        for n in range(45):
            record_evidence(user.id, ["4.2"], "contest", f"cau-{n}", n % 3 != 0)
        db.session.commit()
    login(user)
    client.post("/lang", data={"lang": "vi"})
    html = client.get("/insights/me").get_data(as_text=True)
    suggestions = html[html.index('id="suggestions"'):html.index("</ol>", html.index('id="suggestions"'))]
    assert suggestions.count("<li>") == 3
    assert html.index('id="suggestions"') < html.index('id="radar"') < html.index('id="area-levels"')
    assert "Chưa có cấp độ" in html  # level 0 in words, not "0" or "cấp 0"
    summary = html[html.index('id="evidence-summary"'):]
    assert summary.count("<tr>") == 2  # a header and one row for competence 4.2, not 45 answers
    assert '<td class="num">30</td><td class="num">15</td>' in summary
    assert "cau-" not in html
    first = client.get("/insights/me/evidence").get_data(as_text=True)
    assert "Trang 1 / 3" in first
    assert first.count("<td>Cuộc thi</td>") == 20
    assert 'id="next-page"' in first
    assert 'id="prev-page"' not in first
    last = client.get("/insights/me/evidence?page=9").get_data(as_text=True)  # past the end: the last page
    assert "Trang 3 / 3" in last
    assert last.count("<td>Cuộc thi</td>") == 5


def test_unknown_query_parameters_on_a_unit_page_are_ignored(client, app, login, tree, make_user):
    """Passed on to the page's links, ``code`` or ``fmt`` clashed with ``url_for``'s own arguments
    (a 500); the page keeps only the parameters it reads."""
    make_user(locality="9010101")
    _refresh(app)
    login(make_user(roles={"manager": "901"}))
    response = client.get("/insights/unit/901", query_string={
        "code": "902", "fmt": "x", "kind": "y", "table": "z", "_external": "1", "foo": "bar", "sort": "name"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    chart = html[html.index('id="chart-bars"'):]
    chart = chart[:chart.index(">")]
    assert "sort=name" in chart
    assert "foo=bar" not in chart
    assert "code=902" not in chart
