"""The workers' status page (/staff/status) for staff and admins: the queue depth with when
it was measured, how far the read model and the outbox follower are behind, the statements
to recompute, the last sweep, the ledger by state and the failed deliveries with their last
error; a fragment for htmx that polls itself, no inline script."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, OTHER, OWN, ROOT, SATO, login
from tests.web.reminding import core_of, send_reminders

HX = {"HX-Request": "true"}


def figure(page: str, name: str) -> str:
    found = re.search(rf'<dd id="{name}">(.*?)</dd>', page, re.S)
    assert found, page[:2000]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


@pytest.mark.parametrize("user", [ALICE, BOB])
def test_an_insured_user_is_told_the_status_page_does_not_exist(client, user):
    login(client, user)
    assert client.get("/staff/status").status_code == 404


def test_staff_see_the_figures_and_the_page_refreshes_itself_every_five_seconds(client):
    login(client, SATO)
    response = client.get("/staff/status")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "バックグラウンド処理" in page
    assert re.search(r'<section id="worker-status"[^>]*hx-get="/staff/status"[^>]*hx-trigger="every 5s"', page)
    assert "<script>" not in page and "hx-on" not in page
    assert figure(page, "queue-depth") == "未計測"
    assert figure(page, "last-sweep") == "まだありません"
    assert 'href="/staff/status"' in page.split("</nav>")[0]


def test_an_htmx_poll_gets_the_fragment_alone(client):
    login(client, ROOT)
    response = client.get("/staff/status", headers=HX)
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("{#") is False and "<html" not in page
    assert 'id="worker-status"' in page and 'hx-trigger="every 5s"' in page
    assert "HX-Request" in response.headers.get("Vary", "")


def test_the_lags_the_stale_statements_and_the_ledger_follow_the_workers_work(client):
    service = core_of(client).service
    login(client, ROOT)
    page = client.get("/staff/status").get_data(as_text=True)
    stored = service.notification_count()
    assert re.fullmatch(rf"\d+ events behind \({stored} events stored\)", figure(page, "view-lag"))  # the users added
    service.catch_up()
    page = client.get("/staff/status").get_data(as_text=True)
    assert figure(page, "view-lag") == f"up to date ({stored} events stored)"
    assert figure(page, "follower-lag").endswith("events behind")  # no follower has run in the tests
    assert figure(page, "stale-statements") == "2 policies"  # nothing stored yet
    for number in ("SK-1", "SK-2"):
        service.recompute_statements(OPERATOR, str(service.find_policy(OPERATOR, number)))
    service.advance_follower(service.notification_count())
    page = client.get("/staff/status").get_data(as_text=True)
    assert figure(page, "stale-statements") == "none: every stored statement is current"
    assert figure(page, "follower-lag") == "up to date"

    planned = send_reminders(client)
    page = client.get("/staff/status").get_data(as_text=True)
    assert re.search(rf'<tr data-state="sent"><td>Sent</td><td class="num">{len(planned)}</td>', page)
    assert figure(page, "stale-statements") == "2 policies"  # the ReminderSent events changed the incidents


def test_the_queue_depth_shows_when_it_was_measured_in_jst(client):
    core_of(client).service.put_status(OPERATOR, "queue_depth", "3")
    login(client, SATO)
    assert figure(client.get("/staff/status").get_data(as_text=True), "queue-depth") == "3 (2026-11-22 10:00 時点)"


def test_the_last_sweep_shows_its_day_its_times_and_what_it_planned(client):
    service = core_of(client).service
    result = service.scheduled_sweep(OPERATOR)  # 10:00 JST is after the 09:00 sweep
    assert result is not None
    login(client, ROOT)
    shown = figure(client.get("/staff/status").get_data(as_text=True), "last-sweep")
    assert shown.startswith("2026-11-22: started 2026-11-22 10:00, finished 2026-11-22 10:00")
    assert shown.endswith(f"{len(result.planned)} reminders planned")


def test_a_failed_delivery_shows_its_last_error_to_admins_and_to_staff_of_its_programme_only(client):
    send_reminders(client, failing=OTHER)
    login(client, ROOT)
    page = html.unescape(client.get("/staff/status").get_data(as_text=True))
    failed = page.split('<table class="failed">')[1].split("</table>")[0]
    assert "/incidents/SK-2/INC-1" in failed and "Connection refused" in failed
    assert '<tr data-state="pending"><td>Owed, waiting to be sent</td>' in page
    client.post("/logout", data={"csrf_token": re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)})

    login(client, SATO)  # staff of P1: SK-2 is programme P2's
    page = html.unescape(client.get("/staff/status").get_data(as_text=True))
    failed = page.split('<table class="failed">')[1].split("</table>")[0]
    assert "SK-2" not in failed and "送信の失敗はありません。" in failed


def test_a_failed_delivery_of_their_own_programme_is_shown_to_staff(client):
    send_reminders(client, failing=OWN)
    login(client, SATO)
    page = html.unescape(client.get("/staff/status").get_data(as_text=True))
    failed = page.split('<table class="failed">')[1].split("</table>")[0]
    assert "/incidents/SK-1/INC-1" in failed and "Connection refused" in failed and "期限超過" in failed
