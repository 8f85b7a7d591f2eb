"""The reminders sent, as the web shows them: the list at /notifications (each user the
reminders about the incidents they may see), a ReminderSent on the incident's timeline,
and where the statement on the incident page comes from (the workers' stored copy, or
computed on asking)."""

from __future__ import annotations

import html
import re

from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, OTHER, OWN, ROOT, SATO, login
from tests.web.reminding import core_of, send_reminders


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="reminder">\s*<td><a href="/incidents/([^"]+)"', page)


def test_an_insured_user_sees_the_reminders_about_their_own_business_incidents_only(client):
    send_reminders(client)
    login(client, ALICE)
    page = client.get("/notifications").get_data(as_text=True)
    assert rows(page) and set(rows(page)) == {OWN}
    assert "保険会社への事故通知" in page and "2005-06-06" in page  # the deadline's label, its due date
    assert "期限超過" in page  # sent after the due date
    assert "alice@b1.jp" in page and "bob@b2.jp" not in page


def test_staff_see_their_programmes_reminders_and_an_admin_everyones(client):
    send_reminders(client)
    login(client, SATO)
    assert set(rows(client.get("/notifications").get_data(as_text=True))) == {OWN}
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, ROOT)
    page = client.get("/notifications").get_data(as_text=True)
    assert set(rows(page)) == {OWN, OTHER}
    assert "Notice to the insurer" in page and "Overdue" in page  # the admin reads English


def test_the_list_is_newest_first_and_names_when_and_to_whom_each_was_sent(client):
    send_reminders(client)
    sent = core_of(client).service.notifications(OPERATOR)
    login(client, BOB)
    page = html.unescape(client.get("/notifications").get_data(as_text=True))
    assert len(rows(page)) == len([p for p, number, _ in sent if number == "SK-2"])
    assert "2026-11-22 10:00" in page  # sent at, JST (the clock of the tests)
    assert "bob@b2.jp" in page


def test_with_nothing_sent_the_list_says_so(client):
    login(client, ALICE)
    response = client.get("/notifications")
    assert response.status_code == 200
    assert "期限のお知らせはまだ送信されていません。" in response.get_data(as_text=True)


def test_the_menu_links_the_list_for_every_role(client):
    for user in (ALICE, SATO, ROOT):
        login(client, user)
        menu = client.get("/", follow_redirects=True).get_data(as_text=True).split("</nav>")[0]
        assert 'href="/notifications"' in menu
        client.post("/logout", data={"csrf_token": _token(client)})


def test_a_reminder_on_the_timeline_reads_deadline_due_timing_and_recipients(client):
    send_reminders(client)
    login(client, ALICE)
    page = html.unescape(client.get(f"/incidents/{OWN}").get_data(as_text=True))
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    entry = next(row for row in timeline.split("<tr id=") if "<dd>保険会社への事故通知</dd>" in row)
    assert "リマインダー送信" in entry
    assert "<dt>期限</dt><dd>保険会社への事故通知</dd><dt>期日</dt><dd>2005-06-06</dd>" in entry
    assert "<dt>通知時期</dt><dd>期限超過</dd>" in entry
    assert "<dt>送信先</dt><dd>alice@b1.jp, sato@insurer.jp</dd>" in entry
    assert "<dd>insurer_notice</dd>" not in timeline and "<dd>-1</dd>" not in timeline
    assert "終了日" not in entry  # "to" is the recipients here, not the end of a call center's period


def test_a_reminder_days_before_the_due_date_says_how_many(client):
    from web.incidents import labels
    with client.application.test_request_context(headers={"Accept-Language": "ja"}):
        assert labels.offset(7) == "7日前" and labels.offset(0) == "期日当日" and labels.offset(-1) == "期限超過"
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        assert labels.offset(1) == "1 day before" and labels.offset(3) == "3 days before"
        assert labels.offset(0) == "on the due date"


def test_the_statement_says_it_was_computed_now_when_the_workers_have_not_stored_it(client):
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    version = core_of(client).service.incident(OPERATOR, OWN).version
    assert f"表示のために今計算しました（第{version}版）" in page
    assert 'data-computed="now"' in page


def test_the_statement_the_workers_stored_says_its_version_and_when_in_jst(client):
    service = core_of(client).service
    policy = service.find_policy(OPERATOR, "SK-1")
    assert service.recompute_statements(OPERATOR, str(policy)) >= 1
    version = service.incident(OPERATOR, OWN).version
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}/statement", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-computed="workers"' in page
    assert f"第{version}版時点の内容です（2026-11-22 10:00 にバックグラウンド処理で計算、日本時間）" in page


def test_in_english_the_source_of_the_statement_reads_in_english(client):
    service = core_of(client).service
    service.recompute_statements(OPERATOR, str(service.find_policy(OPERATOR, "SK-2")))
    login(client, BOB)
    page = client.get(f"/incidents/{OTHER}").get_data(as_text=True)
    assert "computed by the workers at 2026-11-22 10:00 (JST)" in page
    assert "As of version" in page


def test_an_older_version_of_the_incident_has_its_statement_computed_for_that_version(client):
    service = core_of(client).service
    service.recompute_statements(OPERATOR, str(service.find_policy(OPERATOR, "SK-1")))
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}?version=1").get_data(as_text=True)
    assert "表示のために今計算しました（第1版）" in page


def _token(client) -> str:
    from tests.web.conftest import csrf
    return csrf(client, "/")
