"""The insured's pages and the incident page through the test client: my incidents,
reporting a leak, the incident's timeline, deadlines, statement and forms, htmx and
no-JavaScript recording, versions, export, languages, and who may see what."""

from __future__ import annotations

import json
import re

import pytest

from casemgr.bootstrap import bootstrap
from casemgr.settings import Settings
from events.values import Actor
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, OTHER, OWN, ROOT, SATO, csrf, login

HX = {"HX-Request": "true"}


def service(client):
    return client.application.extensions["casemgr"].service


def history_length(client, ref: str = OWN) -> int:
    return len(service(client).history(OPERATOR, ref))


def post_event(client, ref: str, data: dict, htmx: bool = True):
    token = csrf(client, f"/incidents/{ref}")
    headers = (HX | {"X-CSRFToken": token}) if htmx else {}
    body = data if htmx else data | {"csrf_token": token}
    return client.post(f"/incidents/{ref}/events", data=body, headers=headers)


LETTERS = {"type": "IndividualsNotified", "on": "2005-06-10", "recipients": "1200", "cost_yen": "1,500,000"}


# -- my incidents and reporting a leak ----------------------------------------------------------


def test_my_incidents_lists_only_my_own_business_incidents(client):
    login(client, ALICE)
    page = client.get("/incidents/").get_data(as_text=True)
    assert "SK-1/INC-1" in page and "SK-2" not in page


def test_reporting_a_leak_creates_the_incident_and_redirects_to_its_page(client):
    login(client, ALICE)
    form = client.get("/incidents/report").get_data(as_text=True)
    assert "暗号化されません" in form  # the warning beside the reference: use codes, never names
    policy = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>SK-1</option>', form).group(1)
    response = client.post("/incidents/report", data={
        "csrf_token": csrf(client, "/incidents/report"), "policy": policy, "reference": "INC-2",
        "on": "2005-07-01", "summary": "ノートPCの盗難", "cause": "external_attack", "media": "electronic",
        "data_items": ["name", "email"], "affected_count": "３００", "records_location": "japan",
        "wrongful_purpose_suspected": "on"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "ノートPCの盗難" in page.get_data(as_text=True)
    assert "SK-1/INC-2" in client.get("/incidents/").get_data(as_text=True)
    row = service(client).history(OPERATOR, "SK-1/INC-2")[0]
    assert row.data["affected_count"] == 300 and row.data["wrongful_purpose_suspected"] is True
    assert row.by == ALICE


def test_reporting_a_leak_without_a_summary_shows_the_error_beside_it_and_opens_nothing(client):
    login(client, ALICE)
    response = client.post("/incidents/report", data={
        "csrf_token": csrf(client, "/incidents/report"), "policy": "SK-1", "reference": "INC-3",
        "on": "2005-07-01", "cause": "negligence", "media": "paper", "affected_count": "10"})
    assert response.status_code == 422
    assert 'id="form-LeakDiscovered-summary-error"' in response.get_data(as_text=True)
    assert "INC-3" not in client.get("/incidents/").get_data(as_text=True)


def test_reporting_under_another_business_policy_is_refused_as_a_choice_of_policy(client):
    login(client, ALICE)
    response = client.post("/incidents/report", data={
        "csrf_token": csrf(client, "/incidents/report"), "policy": "SK-2", "reference": "INC-9",
        "on": "2005-07-01", "summary": "x", "cause": "negligence", "media": "paper", "affected_count": "1"})
    assert response.status_code == 422
    assert 'id="form-LeakDiscovered-policy-error"' in response.get_data(as_text=True)
    assert "SK-2" not in response.get_data(as_text=True).split("policy-error")[1][:300]


# -- who may see what -----------------------------------------------------------------------------

ROUTES = ["/incidents/{ref}", "/incidents/{ref}?version=1", "/incidents/{ref}/timeline", "/incidents/{ref}/deadlines",
          "/incidents/{ref}/statement", "/incidents/{ref}/forms", "/incidents/{ref}/claim", "/incidents/{ref}/export"]
ACCESS = [  # who, whose incident, status
    (ALICE, OWN, 200), (ALICE, OTHER, 404),
    (SATO, OWN, 200), (SATO, OTHER, 404),
    (ROOT, OWN, 200), (ROOT, OTHER, 200),
    (BOB, OTHER, 200), (BOB, OWN, 404),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who, ref, status", ACCESS)
def test_every_incident_route_answers_by_the_access_table(client, route, who, ref, status):
    login(client, who)
    response = client.get(route.format(ref=ref))
    assert response.status_code == status
    if status == 404:
        assert "SK-" not in response.get_data(as_text=True).split("<main>")[1]  # not even the name echoed


@pytest.mark.parametrize("who, ref, status", [(ALICE, OTHER, 404), (SATO, OTHER, 404), (BOB, OWN, 404)])
def test_recording_on_someone_else_incident_is_a_plain_404(client, who, ref, status):
    login(client, who)
    token = csrf(client, "/")
    response = client.post(f"/incidents/{ref}/events", data={"type": "NoteAdded", "on": "2005-06-02", "text": "x"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == status
    assert history_length(client, ref) == 1


def test_the_incident_list_and_the_report_form_are_there_for_an_insured_user(client):
    login(client, ALICE)
    assert client.get("/incidents/").status_code == 200
    assert client.get("/incidents/report").status_code == 200


def test_an_unknown_incident_or_a_malformed_reference_is_a_404(client):
    login(client, ALICE)
    assert client.get("/incidents/SK-1/NOPE").status_code == 404
    assert client.get("/incidents/not-a-reference").status_code == 404


# -- recording events ----------------------------------------------------------------------------


def test_an_htmx_event_returns_the_timeline_with_a_trigger_and_the_statement_shows_the_new_line(client):
    login(client, ALICE)
    response = post_event(client, OWN, LETTERS)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "incident-changed"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="timeline"') and "<html" not in body
    assert 'id="event-e2"' in body and "お詫び状の送付" in body and "1,500,000円" in body
    statement = client.get(f"/incidents/{OWN}/statement", headers=HX).get_data(as_text=True)
    assert statement.lstrip().startswith('<section id="statement"')
    assert re.search(r"<td>e2</td>.*?1,500,000円", statement, re.S)
    assert 'hx-trigger="incident-changed from:body"' in statement


def test_without_javascript_a_recorded_event_redirects_back_to_the_incident(client):
    login(client, ALICE)
    response = post_event(client, OWN, LETTERS, htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/incidents/{OWN}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="event-e2"' in page and "記録しました" in page


@pytest.mark.parametrize("amount", ["-5", "abc", "1.5"])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_amount_shows_the_error_beside_the_field_and_stores_nothing(client, amount, htmx):
    login(client, ALICE)
    response = post_event(client, OWN, LETTERS | {"cost_yen": amount}, htmx=htmx)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = re.search(r'<input id="form-IndividualsNotified-cost_yen"[^>]*aria-invalid="true"[^>]*>\s*'
                      r'<p class="field-error" id="form-IndividualsNotified-cost_yen-error" role="alert">([^<]+)</p>', body)
    assert error, body
    assert f'value="{amount}"' in body  # what was typed is shown again
    if htmx:
        assert response.headers["HX-Retarget"] == "#form-IndividualsNotified"
        assert body.lstrip().startswith('<form id="form-IndividualsNotified"')
    assert history_length(client) == 1


def test_a_claim_error_is_shown_beside_the_claim_code(client):
    login(client, ALICE)
    response = post_event(client, OWN, {"type": "DefenceCostPaid", "on": "2005-07-01", "claim_ref": "C9",
                                        "cost_yen": "1000"})
    assert response.status_code == 422
    assert 'id="form-DefenceCostPaid-claim_ref-error"' in response.get_data(as_text=True)
    assert history_length(client) == 1


def test_a_post_without_the_csrf_token_is_refused(client):
    login(client, ALICE)
    response = client.post(f"/incidents/{OWN}/events", data=LETTERS)
    assert response.status_code == 400
    assert client.post(f"/incidents/{OWN}/events", data=LETTERS, headers=HX).status_code == 400
    assert history_length(client) == 1


def test_a_type_the_role_may_not_record_has_no_form_and_is_refused(client):
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert 'id="form-ExclusionApplied"' not in page and 'id="form-ReminderSent"' not in page
    response = post_event(client, OWN, {"type": "InsurerPaid", "on": "2005-07-01", "part": "expenses", "amount_yen": "1"})
    assert response.status_code == 404 and history_length(client) == 1


def test_staff_get_the_adjudication_forms_with_the_proposed_exclusions_and_the_insured_the_claim_form(client):
    core = client.application.extensions["casemgr"]
    core.service.record(Actor("insured", ALICE, "B1"), OWN,
                        {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "従業員名簿", "cause": "negligence",
                         "media": "paper", "data_items": ["name"], "affected_count": 30, "employees_data": True})
    login(client, SATO)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    for kind in ("ExclusionApplied", "CoverageDecided", "SettlementConsentGiven", "SettlementConsentRefused",
                 "InsurerPaid", "IncidentClosed", "IncidentReopened", "EventVoided", "NoteAdded"):
        assert f'id="form-{kind}"' in page
    assert 'id="form-InsuranceClaimFiled"' not in page and 'id="form-IndividualsNotified"' not in page
    assert re.search(r'<option value="employee_data">[^<]*\(提案\)</option>', page)  # proposed, offered first
    assert "漏えいしたのは被保険者の使用人の情報です" in page  # why, in Sato's Japanese
    assert page.index('value="employee_data"') < page.index('value="intent"')
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/")})
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert 'id="form-InsuranceClaimFiled"' in page and 'id="form-ExclusionApplied"' not in page


def test_the_claim_form_is_prefilled_with_what_the_statement_says_is_outstanding(client):
    login(client, ALICE)
    post_event(client, OWN, {"type": "Publicized", "on": "2005-06-03", "how": "press_release"})
    post_event(client, OWN, LETTERS)
    outstanding = service(client).statement(OPERATOR, OWN).statement.outstanding_yen
    assert outstanding == (1_500_000 - 100_000) * 90 // 100
    claim = client.get(f"/incidents/{OWN}/claim", headers=HX).get_data(as_text=True)
    assert re.search(rf'name="amount_requested_yen"[^>]*value="{outstanding}"', claim)
    assert "1,260,000円" in claim


def test_a_voided_event_is_struck_through_with_the_reason(client):
    login(client, ALICE)
    post_event(client, OWN, LETTERS)
    response = post_event(client, OWN, {"type": "EventVoided", "on": "2005-06-11", "event": "e2", "reason": "二重計上"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(r'<tr id="event-e2" class="voided">.*?e3で取消: 二重計上', body, re.S)


# -- versions, export, languages ------------------------------------------------------------------------


def test_the_incident_as_it_stood_at_a_version_is_read_only_with_a_banner(client):
    login(client, ALICE)
    post_event(client, OWN, LETTERS)
    page = client.get(f"/incidents/{OWN}?version=1").get_data(as_text=True)
    assert "第1版時点の状態です" in page
    assert 'id="event-e1"' in page and 'id="event-e2"' not in page
    assert "hx-post" not in page and 'id="deadlines"' not in page
    assert "1,500,000円" not in page
    statement = client.get(f"/incidents/{OWN}/statement?version=2", headers=HX).get_data(as_text=True)
    assert "1,500,000円" in statement
    assert client.get(f"/incidents/{OWN}?version=99").status_code == 422
    assert client.get(f"/incidents/{OWN}?version=x").status_code == 422


def test_export_is_a_download_of_json_that_imports_into_another_store(client, tmp_path, clock):
    login(client, ALICE)
    post_event(client, OWN, LETTERS)
    post_event(client, OWN, {"type": "EventVoided", "on": "2005-06-11", "event": "e2", "reason": "duplicate"})
    response = client.get(f"/incidents/{OWN}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="SK-1_INC-1.json"'
    log = json.loads(response.get_data(as_text=True))
    other = bootstrap(Settings(f"sqlite:///{tmp_path / 'other.sqlite'}", instance=str(tmp_path / "other")), clock)
    try:
        imported = other.service.import_log(OPERATOR, log)
        rows = other.service.history(OPERATOR, str(imported.incidents["INC-1"]))
        assert [r.type for r in rows] == ["LeakDiscovered", "IndividualsNotified", "EventVoided"]
        assert rows[1].voided_by == "e3"
    finally:
        other.close()


def test_the_page_is_in_japanese_by_default_and_in_english_for_an_english_reader(client):
    login(client, ALICE)  # language ja
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert "漏えいの発覚" in page and "保険金の計算" in page and "起きたことを記録する" in page
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/")})
    login(client, ROOT)  # language en
    page = client.get(f"/incidents/{OWN}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Leak discovered" in page and "What the policy pays" in page and "漏えいの発覚" not in page
    assert "¥" in page


def test_the_rules_and_flags_are_in_the_reader_language(client):
    login(client, ALICE)  # language ja
    post_event(client, OWN, LETTERS)  # not counted yet: the leak is not public
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert "漏えいを知った日 2005-06-01 の翌日から5日" in page  # a deadline's rule, from the read model
    assert "知った日 2005-06-01 を1日目として30日目。個人情報保護委員会への報告が必要です: 本人の数が1,200人" in page
    assert "まだ算入しません: 費用特約部分は漏えいが公表・報道されたことが条件です" in page  # a line's rule
    assert "漏えいがまだ公表されていません" in page  # a flag
    assert "discovery 2005-06-01" not in page and "not counted yet" not in page
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/")})
    login(client, ROOT)  # language en: today's English, word for word
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert ("discovery 2005-06-01 + 5 days (遅滞なく, programme setting); met by a notice in writing, e-mail or web"
            in page)
    assert "not counted yet: the expense part needs the leak made public (Publicized)" in page
    assert "知った日" not in page and "まだ算入しません" not in page


def test_the_pages_have_no_inline_script_or_style(client):
    login(client, ALICE)
    for path in ("/incidents/", "/incidents/report", f"/incidents/{OWN}"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and "style=" not in body and "hx-on" not in body


def test_the_next_page_link_follows_the_cursor(client):
    core = client.application.extensions["casemgr"]
    alice = Actor("insured", ALICE, "B1")
    for n in range(2, 23):
        core.service.open_incident(alice, "SK-1", f"INC-{n}", {
            "type": "LeakDiscovered", "on": "2005-07-01", "summary": "s", "cause": "negligence",
            "media": "paper", "data_items": [], "affected_count": 1})
    login(client, ALICE)
    first = client.get("/incidents/").get_data(as_text=True)
    cursor = re.search(r'href="(/incidents/\?cursor=[^"]+)"', first)
    assert cursor and first.count('href="/incidents/SK-1/INC-') == 20
    second = client.get(cursor.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('href="/incidents/SK-1/INC-') == 2
