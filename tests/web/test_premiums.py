"""Premiums on the staff pages (DOMAIN §10), through the test client: the estimate in the
new-policy preview (htmx, as the mid-term start), the policy page's premium, debits and
cancellation, the form to record a debit or a failed debit, the statement and deadlines of an
incident under a cancelled policy, and the next debit on the dashboard and in the reminders."""

from __future__ import annotations

import datetime as dt
import html
import json

import pytest

from casemgr.mail import FolderMailer
from events.values import Actor
from tests.conftest import OPERATOR, ROOT as REPO
from tests.web.conftest import ALICE, BOB, ROOT, SATO, csrf, login

FILE = json.loads((REPO / "examples" / "programmes" / "shokokai-2005.json").read_text(encoding="utf-8"))
SYSTEM = Actor("system", "casemgr-workers")
HTMX = {"HX-Request": "true"}
PREVIEW = ("/staff/policies/preview?programme=P1&pattern=B&industry=retail&annual_revenue_yen=300%2C000%2C000"
           "&pl_insurance=1&enrolment_applied_on=2005-06-15&period_start=2005-04-01T16:00&period_end=2006-04-01T16:00")


def core(client):  # type: ignore[no-untyped-def]
    return client.application.extensions["casemgr"]


@pytest.fixture
def priced(client):
    """Programme P1 with the seed's premium table, and a pattern-B policy SK-3 of business B1 with
    an incident."""
    service = core(client).service
    service.import_programme(OPERATOR, {**FILE, "code": "P1", "name": "P1"})
    service.import_log(OPERATOR, {
        "policy": {"number": "SK-3", "programme": "P1", "pattern": "B",
                   "insured": {"code": "B1", "name": "B1 株式会社", "industry": "retail",
                               "annual_revenue_yen": 300_000_000},
                   "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"},
        "incidents": [{"reference": "INC-1", "events": [
            {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "名簿の紛失", "cause": "negligence",
             "media": "paper", "data_items": ["name"], "affected_count": 10},
            {"type": "Publicized", "on": "2005-06-02", "how": "website"},
            {"type": "IndividualsNotified", "on": "2005-06-03", "recipients": 10, "cost_yen": 300_000}]}],
    })
    return client


def post_debit(client, data: dict, htmx: bool = True):  # type: ignore[no-untyped-def]
    token = csrf(client, "/staff/policies/SK-3")
    return client.post("/staff/policies/SK-3/debits", data={**data, "csrf_token": token},
                       headers=HTMX if htmx else {})


# -- the estimate in the new-policy preview ------------------------------------------------------

def test_the_preview_shows_the_estimate_band_months_pl_discount_and_first_debit(priced):
    login(priced, SATO)
    response = priced.get(PREVIEW, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith('<div id="policy-preview"')
    assert "保険料の見積り" in page and "50,666円" in page and "約" in page  # about, from the table's 約
    assert "300,000,000円以下" in page and "2005-08-29" in page and "2,667円" in page  # band, debit, discount
    assert "中途加入（申込日 2005-06-15）" in page  # the rules in Japanese
    assert "99事業者以下" in page  # the programme-size warning
    assert '<option value="retail">' in page  # the table's classes for the industry field


def test_the_full_form_page_shows_the_same_estimate_without_javascript(priced):
    login(priced, SATO)
    page = priced.get(PREVIEW.replace("/preview", "/new")).get_data(as_text=True)
    assert "<form" in page and "50,666円" in page and 'list="industry-classes"' in page


@pytest.mark.parametrize("query, says", [
    ("programme=P1&pattern=B&industry=retail&annual_revenue_yen=1000000001", "個別見積り"),
    ("programme=P1&pattern=D&industry=retail&annual_revenue_yen=1", "保険料表にパターン D はありません"),
    ("programme=P1&pattern=custom&industry=retail&annual_revenue_yen=1", "個別にお見積り"),
    ("programme=P1&pattern=B&industry=&annual_revenue_yen=1", "業種区分を入力"),
    ("programme=P1&pattern=B&industry=mining&annual_revenue_yen=1", "パターン B の業種区分ではありません"),
])
def test_the_preview_says_why_there_is_no_figure(priced, query, says):
    login(priced, SATO)
    page = priced.get(f"/staff/policies/preview?{query}", headers=HTMX).get_data(as_text=True)
    assert says in page


def test_a_programme_without_a_table_previews_no_estimate(client):
    login(client, SATO)
    page = client.get("/staff/policies/preview?programme=P1&pattern=B&industry=retail", headers=HTMX)
    assert "保険料表がないため" in page.get_data(as_text=True)


# -- the policy page and its debit form -------------------------------------------------------------

def test_the_policy_page_shows_the_premium_the_next_debit_and_the_warning(priced):
    login(priced, SATO)
    page = priced.get("/staff/policies/SK-3").get_data(as_text=True)
    assert "保険料と口座引落し" in page and "80,000円" in page
    assert "2005-04-27" in page and "引落し前" in page and "99事業者以下" in page
    assert 'action="/staff/policies/SK-3/debits"' in page


def test_two_failed_debits_recorded_on_the_page_cancel_the_policy_and_its_incident_says_so(priced):
    login(priced, SATO)
    response = post_debit(priced, {"type": "PremiumDebitFailed", "on": "2005-04-27"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "policy-changed"
    assert page.lstrip().startswith('<div id="policy">') and "e3 として記録しました" in page
    assert "2005-05-27" in page and "翌月の27日に再度引き落とします" in page
    response = post_debit(priced, {"type": "PremiumDebitFailed", "on": "2005-05-27"})
    page = response.get_data(as_text=True)
    assert "始期にさかのぼって取消" in page and 'class="error cancelled"' in page
    assert 'action="/staff/policies/SK-3/debits"' not in page  # nothing more is debited
    assert "始期にさかのぼって取消" in priced.get("/staff/policies").get_data(as_text=True)
    # The insured business's incident: its statement pays 0 with the rule, its insurance deadlines say why.
    alice = login(priced.application.test_client(), ALICE)
    incident = alice.get("/incidents/SK-3/INC-1").get_data(as_text=True)
    assert "保険料の引落しが2か月続けてできなかったため" in incident  # the statement's flag
    assert "保険料が収納されなかったため、保険は始期にさかのぼって取消となりました" in incident


def post_void(client, data: dict, htmx: bool = True):  # type: ignore[no-untyped-def]
    token = csrf(client, "/staff/policies/SK-3")
    return client.post("/staff/policies/SK-3/void", data={**data, "csrf_token": token}, headers=HTMX if htmx else {})


def test_staff_void_the_failed_debit_that_cancelled_the_policy_and_it_stands_again(priced):
    login(priced, SATO)
    post_debit(priced, {"type": "PremiumDebitFailed", "on": "2005-04-27"})
    page = post_debit(priced, {"type": "PremiumDebitFailed", "on": "2005-05-27"}).get_data(as_text=True)
    assert 'class="error cancelled"' in page and 'action="/staff/policies/SK-3/void"' in page  # voidable still
    response = post_void(priced, {"event": "e4", "reason": "銀行の誤り：引落しはできていた"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "policy-changed"
    assert "e5 として記録しました" in page and 'class="error cancelled"' not in page
    voided = page.split('class="voided" data-event="e4"')[1].split("</tr>")[0]
    assert "<del>" in voided and "e5で取消: 銀行の誤り：引落しはできていた" in voided
    assert 'action="/staff/policies/SK-3/debits"' in page  # debits are recorded again
    alice = login(priced.application.test_client(), ALICE)
    assert "始期にさかのぼって取消" not in alice.get("/incidents/SK-3/INC-1").get_data(as_text=True)


@pytest.mark.parametrize("data, says", [
    ({"event": "e3", "reason": ""}, "取り消す理由を入力してください"),
    ({"event": "e2", "reason": "x"}, "この保険契約に引落しの記録 'e2' はありません"),
    ({"event": "", "reason": "x"}, "1文字以上で入力してください"),  # a forged form: still said
])
def test_a_refused_voiding_comes_back_422_and_nothing_is_stored(priced, data, says):
    login(priced, SATO)
    post_debit(priced, {"type": "PremiumDebitFailed", "on": "2005-04-27"})
    before = core(priced).service.notification_count()
    response = post_void(priced, data)
    assert response.status_code == 422 and says in html.unescape(response.get_data(as_text=True))
    assert core(priced).service.notification_count() == before


@pytest.mark.parametrize("email, status", [(ROOT, 403), (ALICE, 404), (BOB, 404)])
def test_only_the_programmes_staff_void_debits(priced, email, status):
    core(priced).service.record_policy_event(OPERATOR, "SK-3", {"type": "PremiumDebitFailed", "on": "2005-04-27"})
    login(priced, email)
    token = csrf(priced, "/")
    response = priced.post("/staff/policies/SK-3/void", data={"event": "e3", "reason": "x", "csrf_token": token})
    assert response.status_code == status
    assert core(priced).service.policy(OPERATOR, "SK-3").voided_debits == ()


def test_a_debit_without_htmx_redirects_to_the_policy_page(priced):
    login(priced, SATO)
    response = post_debit(priced, {"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": "８０，０００円"},
                          htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/policies/SK-3")
    page = priced.get("/staff/policies/SK-3").get_data(as_text=True)
    assert "e3 として記録しました" in page and "収納済み" in page and "80,000円" in page


@pytest.mark.parametrize("data, field, says", [
    ({"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": ""}, "amount_yen", "引き落とした金額"),
    ({"type": "PremiumDebited", "on": "2005-04-27", "amount_yen": "0"}, "amount_yen", "1以上の数を入力してください"),
    ({"type": "PremiumDebitFailed", "on": "2005-04-26"}, "on", "引落しの前に引落し不能は記録できません"),
    ({"type": "PremiumDebitFailed", "on": "27/04/2005"}, "on", "YYYY-MM-DD"),
    ({"type": "Refund", "on": "2005-04-27"}, "type", "引落し済み"),
])
def test_a_refused_debit_comes_back_422_beside_its_field_and_nothing_is_stored(priced, data, field, says):
    login(priced, SATO)
    response = post_debit(priced, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}-error"' in page and says in page
    assert core(priced).service.policy(OPERATOR, "SK-3").debits.debits == ()


@pytest.mark.parametrize("email, status", [(ROOT, 403), (ALICE, 404), (BOB, 404)])
def test_only_the_programmes_staff_record_debits(priced, email, status):
    login(priced, email)
    token = csrf(priced, "/")
    response = priced.post("/staff/policies/SK-3/debits", data={"type": "PremiumDebitFailed", "on": "2005-04-27",
                                                                 "csrf_token": token})
    assert response.status_code == status
    assert core(priced).service.policy(OPERATOR, "SK-3").debits.debits == ()


def test_an_admin_sees_the_debits_but_no_form(priced):
    login(priced, ROOT)
    page = priced.get("/staff/policies/SK-3").get_data(as_text=True)
    assert "Premium and debits" in page and "/debits" not in page


def test_a_debit_form_without_its_csrf_token_is_refused(priced):
    login(priced, SATO)
    response = priced.post("/staff/policies/SK-3/debits", data={"type": "PremiumDebitFailed", "on": "2005-04-27"})
    assert response.status_code == 400
    assert core(priced).service.policy(OPERATOR, "SK-3").debits.debits == ()


# -- the next debit on the dashboard and in the reminders ------------------------------------------

def test_the_next_debit_is_on_the_dashboard_linking_to_the_policy(priced):
    login(priced, SATO)
    page = priced.get("/staff/?deadline=premium_debit").get_data(as_text=True)
    assert 'href="/staff/policies/SK-3"' in page and "保険料の口座引落し" in page and "SK-3 /" not in page


def test_a_debit_reminder_is_listed_with_the_policy(priced, tmp_path):
    service = core(priced).service
    core(priced).accounts.update_business("B1", OPERATOR, contacts=["risk@b1.example.jp"])
    day = dt.date(2005, 4, 20)
    sk3 = next(p["policy_id"] for p in service.policies(OPERATOR) if p["number"] == "SK-3")
    [key] = [k for k in service.sweep(SYSTEM, day).planned if k.startswith(f"{sk3}|premium_debit|")]
    assert service.deliver_reminder(SYSTEM, key, FolderMailer(tmp_path / "mail"), day).state == "sent"
    login(priced, SATO)
    page = priced.get("/notifications").get_data(as_text=True)
    assert 'href="/staff/policies/SK-3"' in page and "保険料" in page
    alice = login(priced.application.test_client(), ALICE)
    page = alice.get("/notifications").get_data(as_text=True)
    assert "SK-3" in page and "/staff/policies/SK-3" not in page  # no staff link for the insured


def test_the_new_policy_form_starts_from_the_programmes_own_period(priced):
    """P1 has the seed's programme file (2005-04-01 16:00 to 2006-04-01 16:00); a programme
    file with another period gives that period; a programme without one the seeds' period."""
    core(priced).service.import_programme(OPERATOR, {**FILE, "code": "P1", "name": "P1",
                                                     "period_start": "2026-04-01T16:00:00+09:00",
                                                     "period_end": "2027-04-01T16:00:00+09:00"})
    login(priced, SATO)
    page = priced.get("/staff/policies/new").get_data(as_text=True)
    assert 'name="period_start" value="2026-04-01T16:00"' in page
    assert 'name="period_end" value="2027-04-01T16:00"' in page
    asked = priced.get("/staff/policies/new?period_start=2005-06-01T00:00").get_data(as_text=True)
    assert 'name="period_start" value="2005-06-01T00:00"' in asked  # what the user gave stays
