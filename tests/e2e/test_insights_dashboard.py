"""A district manager opens the dashboard, drills into a commune, looks at a chart and downloads the
XLSX; a manager of another district gets 404 for the same pages and exports."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from app.competency import reports
from app.core.extensions import db
from tests.conftest import PASSWORD


def _log_in(page, phone):
    page.goto("/auth/login")
    page.locator("input[name=login]").fill(phone)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()


def test_district_manager_drills_down_views_chart_and_exports(
    desktop_page, app, tree, make_user, live_server
):
    for _ in range(3):
        make_user(locality="9010101")
    make_user(locality="9020101")
    manager = make_user(phone="0911111111", roles={"manager": "901"})
    other = make_user(phone="0922222222", roles={"manager": "902"})
    with app.app_context():
        reports.refresh_reports(full=True)
        db.session.commit()
    page = desktop_page
    _log_in(page, manager.phone)
    page.goto("/insights/")
    assert page.locator("#unit-title").get_attribute("data-code") == "901"
    assert page.locator("[data-testid=kpi-citizens]").inner_text() == "3"
    page.locator("[data-testid=drill-90101]").click()
    page.wait_for_url("**/insights/unit/90101")
    chart = page.locator("#chart-trend")
    assert chart.get_attribute("alt")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    with page.expect_download() as info:
        page.locator("[data-testid=export-children-xlsx]").click()
    data = Path(info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Mã")  # after the title block
    assert rows[header + 1][0] == "9010101"
    assert rows[header + 1][2] == 3

    page.locator("form[action$='/auth/logout'] button").click()
    _log_in(page, other.phone)
    for path in (
        "/insights/unit/90101",
        "/insights/unit/901",
        "/insights/unit/90101/chart/trend.png",
        "/insights/unit/90101/export/children.xlsx",
        "/insights/unit/901/export/children.csv",
    ):
        response = page.request.get(live_server + path)
        assert response.status in (403, 404), path
