"""Browser tests: Playwright drives Debian's Chromium against the app served on loopback.

Without CI=true the tests are skipped (reason printed) when Chromium is missing; with CI=true a
missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def _browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if CI:
            pytest.fail("CI=true but Chromium is not installed at /usr/bin/chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served on 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone_page(_browser, live_server):
    """A page in a fresh context with a 360×740 phone viewport, Vietnamese by default."""
    context = _browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN",
                                   base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def desktop_page(_browser, live_server):
    context = _browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server,
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def choose_option(page, app, lesson_url: str, step_number: int, option_number: int) -> None:
    """Tick the check option authored as ``option_number`` (1-based) of a lesson's step, found by
    its text: options are shuffled and identified by tokens per showing."""
    import re

    from app.learn.progress import find_lesson

    course_slug, lesson_slug = re.search(r"/learn/([^/]+)/([^/]+)", lesson_url).groups()
    with app.app_context():
        step = find_lesson(course_slug, lesson_slug, include_drafts=True).steps[step_number - 1]
        text = str(step.check["options"][option_number - 1])
    page.locator("label.option", has_text=text).locator("input[name=choice]").check()
