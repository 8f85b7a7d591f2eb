"""The core's refusals in the reader's language (decision 62): a form refused on a Japanese
page says why in Japanese beside the field, on an English page in today's English, and the
JSON API keeps the English of the console (DOMAIN §9.1). Nothing is stored either way."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

import pytest

from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, OTHER, OWN, csrf, login

HX = {"HX-Request": "true"}
CLAIM_COST = {"type": "DefenceCostPaid", "on": "2005-07-01", "claim_ref": "C9", "cost_yen": "1000"}
EARLY_NOTICE = {"type": "InsurerNotified", "on": "2005-05-01", "channel": "email"}
NEGATIVE_COST = {"type": "PressConferenceHeld", "on": "2005-06-10", "cost_yen": "-5"}


def history_length(client, ref: str) -> int:
    return len(client.application.extensions["casemgr"].service.history(OPERATOR, ref))


def refused(client, ref: str, data: dict, htmx: bool) -> dict[str, str]:
    """Post a form that the core refuses: its field errors (input name -> message)."""
    token = csrf(client, f"/incidents/{ref}")
    headers = (HX | {"X-CSRFToken": token}) if htmx else {}
    response = client.post(f"/incidents/{ref}/events", data=data | ({} if htmx else {"csrf_token": token}),
                           headers=headers)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    kind = data["type"]
    return {name: html.unescape(message) for name, message in re.findall(
        rf'<p class="field-error" id="form-{kind}-(\w+)-error" role="alert">([^<]+)</p>', body)}


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_form_on_a_japanese_page_says_why_in_japanese_beside_the_field(client, htmx):
    login(client, ALICE)  # language ja
    assert refused(client, OWN, CLAIM_COST, htmx) == {"claim_ref": "請求 'C9' は記録されていません"}
    assert refused(client, OWN, EARLY_NOTICE, htmx) == {
        "on": "2005-05-01 は漏えいを知った日（2005-06-01）より前です。2005-06-01 以降の日付にしてください"}
    assert refused(client, OWN, NEGATIVE_COST, htmx) == {"cost_yen": "0以上の数を入力してください（入力: -5）"}
    assert history_length(client, OWN) == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_the_same_refusals_on_an_english_page_are_today_english(client, htmx):
    login(client, BOB)  # language en
    assert refused(client, OTHER, CLAIM_COST, htmx) == {"claim_ref": "no claim 'C9' has been received"}
    assert refused(client, OTHER, EARLY_NOTICE, htmx) == {
        "on": "2005-05-01 is before the leak was discovered (2005-06-01)"}
    assert refused(client, OTHER, NEGATIVE_COST, htmx) == {
        "cost_yen": "Input should be greater than or equal to 0 (got -5)"}
    assert history_length(client, OTHER) == 1


def test_the_report_form_says_why_a_reference_is_refused_in_japanese(client):
    login(client, ALICE)
    token = csrf(client, "/incidents/report")
    response = client.post("/incidents/report", data={
        "csrf_token": token, "policy": "SK-1", "reference": "INC/2", "on": "2005-06-01", "summary": "紛失",
        "cause": "negligence", "media": "paper", "data_items": "name", "affected_count": "10"})
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "'INC/2' に「/」が含まれています。「/」は証券番号と事故番号の区切りのため使えません" in body
    assert "contains '/'" not in body
    assert len(client.application.extensions["casemgr"].service.history(OPERATOR, OWN)) == 1


def test_a_refusal_on_top_of_a_japanese_form_is_in_japanese(client):
    login(client, "sato@insurer.jp")  # staff close the incident
    token = csrf(client, f"/incidents/{OWN}")
    closed = client.post(f"/incidents/{OWN}/events", data={"type": "IncidentClosed", "on": "2005-07-01"},
                         headers=HX | {"X-CSRFToken": token})
    assert closed.status_code == 200, closed.get_data(as_text=True)[:300]
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/")})
    login(client, ALICE)
    token = csrf(client, f"/incidents/{OWN}")
    response = client.post(f"/incidents/{OWN}/events", data={"type": "PressConferenceHeld", "on": "2005-07-02",
                                                              "cost_yen": "1000"},
                           headers=HX | {"X-CSRFToken": token})
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert "この事故は終了しています。記録するには保険会社の担当者が再開する必要があります" in body
    assert "the incident is closed" not in body
    assert history_length(client, OWN) == 2


def test_the_api_answers_in_english_whatever_the_user_language(client, web_app):
    token = web_app.extensions["casemgr"].accounts.create_token(ALICE, "test", OPERATOR)  # ALICE reads Japanese
    response = client.post(f"/api/v1/incidents/{quote(OWN, safe='')}/events", data=json.dumps(CLAIM_COST | {
        "cost_yen": 1000}), headers={"Authorization": f"Bearer {token}", "Accept-Language": "ja"},
        content_type="application/json")
    assert response.status_code == 422
    answer = response.get_json()
    assert "no claim 'C9' has been received" in json.dumps(answer)
    assert "記録されていません" not in json.dumps(answer, ensure_ascii=False)
    assert history_length(client, OWN) == 1
