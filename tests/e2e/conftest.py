"""End-to-end: the real app served over HTTP on loopback (a werkzeug server thread on a
fresh SQLite store with the demo loaded) and a real headless Chromium (Debian's
``/usr/bin/chromium``, installed by .ci/run) driven by Playwright for Python.

``CASEMGR_CHROMIUM`` names another browser binary. No browser is an error, not a skip:
CI installs one."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from casemgr.demo import load_demo
from casemgr.settings import Settings
from web import create_app

PASSWORD = "a demo password here"
# Where the tests put their screenshots: a temporary folder, or the README's pictures with
# CASEMGR_SCREENSHOTS=docs/screenshots ./test tests/e2e
SCREENSHOTS = Path(os.environ.get("CASEMGR_SCREENSHOTS") or Path(tempfile.gettempdir()) / "casemgr-screenshots")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(tmp_path, clock):
    app = create_app(Settings(f"sqlite:///{tmp_path / 'e2e.sqlite'}", instance=str(tmp_path / "instance")),
                     clock=clock)
    core = app.extensions["casemgr"]
    logins = {login.role: login for login in load_demo(core, PASSWORD)}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", logins, core
    server.shutdown()
    thread.join(10)
    core.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CASEMGR_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("no Chromium: install Debian's chromium (.ci/run does)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser):
    """``page_for(locale)``: a new page in a fresh browser context speaking that language."""
    contexts = []

    def make(locale: str = "ja-JP"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
