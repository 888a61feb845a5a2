"""Accessible everywhere (issue 18, item 3), checked in the browser at 360×740.

- Every page each role can open (learner, helper, official, organizer, manager, admin), logged in,
  passes axe-core (injected from node_modules; installed by `npm ci` in `make setup-dev` and
  `.ci/run`) with no serious or critical violation. WCAG 2.2's target-size rule (24 px) is included.
- Tables reflow: no table reaches past the phone's screen (no column hidden behind a sideways
  scroll), at the normal and the large-text setting.
- What a learner presses (lesson links, "Tiếp", "Quay lại", the answers, the footer's toggles, the
  menu) is at least 44×44 px.

Without CI=true the walk is skipped when axe-core is not installed; with CI=true that is a failure.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import url_for

from app.core.extensions import db
from tests.access_registry import ARG_FACTORIES
from tests.e2e.conftest import CI
from tests.test_access import World, _user_for

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "secret-pass-1"
ROLES = ("visitor", "citizen", "helper", "official", "organizer", "manager", "admin")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""
WIDE_TABLES = """() => [...document.querySelectorAll('main table')]
  .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1
            || t.scrollWidth > t.clientWidth + 1)
  .map(t => (t.id || t.querySelector('caption')?.textContent || 'table').trim().slice(0, 60)
            + ` (${Math.round(t.getBoundingClientRect().width)} px)`)"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if CI:
            pytest.fail("CI=true but axe-core is not installed: run `npm ci` (make setup-dev does)")
        pytest.skip("axe-core is not installed (npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def audit_page(_browser, live_server):
    """A 360×740 phone page whose Content-Security-Policy lets the test inject axe-core."""
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN",
                                   base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def world(app, make_user, make_locality, tree):
    from app.learn.content import load_content

    with app.app_context():
        load_content(ROOT / "courses")
        db.session.commit()
    return World(app, make_user, make_locality)


def _admitted(view, role: str) -> bool:
    if role == "visitor":
        return True  # the server sends a visitor to the login page where one is needed
    allowed = getattr(view, "required_roles", None)
    return allowed is None or role == "admin" or role in allowed


def _pages(app, world, role: str) -> list[str]:
    """A URL per GET endpoint the role may open (arguments from tests/access_registry.py)."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint.startswith(("api.", "static")):
            continue
        if not _admitted(app.view_functions[rule.endpoint], role):
            continue
        values = {}
        for arg in rule.arguments:
            factory = ARG_FACTORIES.get(f"{rule.endpoint}:{arg}") or ARG_FACTORIES.get(arg)
            values[arg] = factory(world)
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **values))
    return urls


def _login(page, phone: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.fill("input[name=login]", phone)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url


def _html_pages(page, urls: list[str]) -> list[str]:
    """The URLs that answer 200 with an HTML page (exports and media are left out)."""
    pages = []
    for url in urls:
        response = page.request.get(url, max_redirects=0)
        if response.status == 200 and "text/html" in response.headers.get("content-type", ""):
            pages.append(url)
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_passes_axe_and_keeps_tables_on_the_screen(
        audit_page, app, world, make_user, axe_source, role):
    page = audit_page
    if role != "visitor":
        _login(page, _user_for(role, make_user).phone)
    pages = _html_pages(page, _pages(app, world, role))
    assert len(pages) >= 5
    violations, wide = [], []
    with_tables = []
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        page.add_script_tag(content=axe_source)
        violations += [f"{url}: {v}" for v in page.evaluate(RUN_AXE, TAGS)]
        tables = page.evaluate(WIDE_TABLES)
        wide += [f"{url}: {t}" for t in tables]
        if page.locator("main table").count():
            with_tables.append(url)
    # the same tables with large text
    page.context.add_cookies([{"name": "large_text", "value": "1", "url": page.url}])
    for url in with_tables:
        page.goto(url)
        page.wait_for_load_state("load")
        wide += [f"{url} (large text): {t}" for t in page.evaluate(WIDE_TABLES)]
    assert not violations, f"{role}: {len(violations)} serious/critical axe violations:\n" + "\n".join(violations)
    assert not wide, f"{role}: tables wider than the screen:\n" + "\n".join(wide)


def test_the_audit_finds_a_critical_violation(audit_page, axe_source):
    """The walk above cannot pass by not looking: a picture without alt text is reported."""
    page = audit_page
    page.goto("/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\\'/x.png\\'>')")
    page.add_script_tag(content=axe_source)
    assert any("image-alt" in v for v in page.evaluate(RUN_AXE, TAGS))


LEARNER_CONTROLS = ".lesson-list a, #next, #back, #start, .option, .site-menu > summary, .site-footer button"


def test_what_a_learner_presses_is_at_least_44_px(phone_page, world, make_user):
    page = phone_page
    _login(page, make_user().phone)
    small = []
    for url in ("/learn/", "/learn/thu-tuc-cho-tre-moi-sinh/", "/learn/thu-tuc-cho-tre-moi-sinh/lien-thong-khai-sinh/",
                "/learn/thu-tuc-cho-tre-moi-sinh/lien-thong-khai-sinh/step/1",
                "/learn/thu-tuc-cho-tre-moi-sinh/lien-thong-khai-sinh/step/7"):
        page.goto(url)
        page.wait_for_load_state("load")
        controls = page.locator(LEARNER_CONTROLS)
        assert controls.count() > 0
        for i in range(controls.count()):
            box = controls.nth(i).bounding_box()
            if box is not None and (box["height"] < 44 or box["width"] < 44):
                small.append(f"{url}: {controls.nth(i).inner_text()[:30]!r} {box['width']:.0f}×{box['height']:.0f}")
    assert not small, "controls smaller than 44×44 px:\n" + "\n".join(small)


def test_boards_and_dashboards_with_the_demo_data_fit_the_phone(audit_page, app, axe_source):
    """With real-sized data (the demo province: long unit names, big numbers) the contest boards and
    the dashboards stay on the 360 px screen, also with large text; the locality board's last
    column used to be cut off inside a sideways-scrolling box (axe: scrollable-region-focusable)."""
    from sqlalchemy import select

    from app.accounts.demo import DEMO_PASSWORD
    from app.contests.models import Contest
    from app.core.cli import seed_demo

    with app.app_context():
        seed_demo()
        slug = db.session.scalar(select(Contest.slug).order_by(Contest.id))
    page = audit_page
    _login(page, "0900000003", DEMO_PASSWORD)  # the demo province's manager
    base = f"/contests/{slug}"
    urls = [f"{base}/board", f"{base}/rounds/1/board", f"{base}/rounds/1/localities", f"{base}/rounds/1/units",
            "/insights/"]
    problems = []
    for large in (False, True):
        if large:
            page.context.add_cookies([{"name": "large_text", "value": "1", "url": page.url}])
        for url in urls:
            assert page.goto(url).status == 200, url
            page.wait_for_load_state("load")
            assert page.locator("main table").count() > 0, url
            page.add_script_tag(content=axe_source)
            problems += [f"{url}: {v}" for v in page.evaluate(RUN_AXE, TAGS)]
            problems += [f"{url}{' (large text)' if large else ''}: wide {t}" for t in page.evaluate(WIDE_TABLES)]
    assert not problems, "\n".join(problems)
