"""The pages of the workers' work in a real browser: the reminders sent and where the
statement comes from, the workers' status refreshing itself by htmx under the Content
Security Policy (staff), the mail viewer and the demo clock (an admin). Screenshots go
where the other e2e tests put theirs."""

from __future__ import annotations

import re
import threading

import pytest
from werkzeug.serving import make_server

from casemgr.clock import FileClock, today
from casemgr.demo import load_demo
from casemgr.mail import FolderMailer
from casemgr.settings import Settings
from tests.conftest import OPERATOR
from tests.e2e.conftest import PASSWORD, log_in
from tests.e2e.test_story import shot
from web import create_app


def send_reminders(core) -> int:
    """What the workers do at the sweep: plan today's reminders and send each (to the mail folder)."""
    planned = core.service.sweep(OPERATOR).planned
    for key in planned:
        core.service.deliver_reminder(OPERATOR, key, FolderMailer(core.settings.mail_folder))
    core.service.catch_up()
    return len(planned)


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_staff_read_the_reminders_sent_and_where_the_statement_comes_from(live_server, page_for):
    base, logins, core = live_server
    assert send_reminders(core) > 0
    page = page_for("ja-JP")
    errors = watch_errors(page)
    log_in(page, base, logins["staff"].email)
    page.click("nav a[href='/notifications']")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr.reminder").count() >= 1
    assert "期限超過" in page.inner_text("#notifications")  # the seeds' cases of 2005: long overdue
    shot(page, "notifications-ja")

    page.locator("tr.reminder a").first.click()
    page.wait_for_load_state("networkidle")
    assert "表示のために今計算しました" in page.inner_text("#statement .statement-source")
    page.locator("#statement").scroll_into_view_if_needed()
    shot(page, "statement-source-ja", full=False)
    assert "リマインダー送信" in page.inner_text("#timeline") and "送信先" in page.inner_text("#timeline")
    page.locator("#timeline tr", has_text="リマインダー送信").first.scroll_into_view_if_needed()
    shot(page, "incident-reminder-ja", full=False)
    assert not errors, errors


def test_the_status_page_refreshes_itself_without_a_reload(live_server, page_for):
    base, logins, core = live_server
    send_reminders(core)
    page = page_for("ja-JP")
    errors = watch_errors(page)
    log_in(page, base, logins["staff"].email)
    page.goto(f"{base}/staff/status")
    page.evaluate("() => { document.body.dataset.loaded = '1' }")  # gone if the page reloaded
    assert "未計測" in page.inner_text("#queue-depth")
    core.service.put_status(OPERATOR, "queue_depth", "4")
    page.wait_for_function("() => document.querySelector('#queue-depth').textContent.includes('4')", timeout=12_000)
    assert page.evaluate("() => document.body.dataset.loaded") == "1"
    assert re.search(r"\d+", page.inner_text(".ledger"))
    shot(page, "status-ja")
    assert not errors, errors


def test_an_admin_reads_a_mail_the_workers_wrote(live_server, page_for):
    base, logins, core = live_server
    send_reminders(core)
    page = page_for("en-US")
    errors = watch_errors(page)
    log_in(page, base, logins["admin"].email)
    page.click("nav a[href='/admin/mail']")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr.mail").count() >= 1
    shot(page, "mail-en")
    page.locator("tr.mail a", has_text="期限のお知らせ").first.click()
    page.wait_for_load_state("networkidle")
    assert "期限のお知らせです" in page.inner_text("pre.mail-body")
    shot(page, "mail-message-en")
    assert not errors, errors


@pytest.fixture
def movable_server(tmp_path):
    """The app with the demo and a movable clock (as ./run starts it)."""
    settings = Settings(f"sqlite:///{tmp_path / 'e2e.sqlite'}", instance=str(tmp_path / "instance"),
                        clock=f"file:{tmp_path / 'demo-clock'}")
    app = create_app(settings)
    core = app.extensions["casemgr"]
    logins = {login.role: login for login in load_demo(core, PASSWORD)}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", logins, core
    server.shutdown()
    thread.join(10)
    core.close()


def test_an_admin_moves_the_demo_clock_forward(movable_server, page_for, tmp_path):
    base, logins, core = movable_server
    page = page_for("ja-JP")
    errors = watch_errors(page)
    core.accounts.add_user("kanri@example.jp", "admin", "管理者", "ja", PASSWORD, OPERATOR)
    log_in(page, base, "kanri@example.jp")
    page.goto(f"{base}/admin/clock")
    before = core.service.today()
    page.click("button[name=days][value='7']")
    page.wait_for_load_state("networkidle")
    assert "時計を" in page.inner_text("main")
    assert (today(FileClock(tmp_path / "demo-clock")) - before).days in (7, 8)  # business dates: JST
    assert (core.service.today() - before).days == 7
    shot(page, "clock-ja")
    assert not errors, errors
