"""Issue 9 on the web: the other-insurance form (DOMAIN §5.4) and its apportionment in the
statement, and the what-if page (§12), in both languages, through the test client."""

from __future__ import annotations

import re

import pytest

from casemgr.demo import STAFF_EMAIL, load_demo
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, OTHER, OWN, PASSWORD, ROOT, SATO, csrf, login

HX = {"HX-Request": "true"}
OTHER_POLICY = {"type": "OtherInsuranceDeclared", "on": "2005-07-01", "insurer": "他社損保 PL-123",
                "part": "liability", "limit_yen": "50,000,000", "deductible_yen": "0", "coinsurance_pct": "100"}
CLAIM = [{"type": "ClaimReceived", "on": "2005-09-01", "claim_ref": "C1", "kind": "victims", "claimants": "10",
          "amount_claimed_yen": "1", "forum": "japan"},
         {"type": "ClaimResolved", "on": "2005-12-20", "claim_ref": "C1", "outcome": "judgment",
          "amount_yen": "80,000,000"}]


def post_event(client, ref: str, data: dict, htmx: bool = True):
    token = csrf(client, f"/incidents/{ref}")
    headers = (HX | {"X-CSRFToken": token}) if htmx else {}
    return client.post(f"/incidents/{ref}/events", data=data if htmx else data | {"csrf_token": token},
                       headers=headers)


@pytest.mark.parametrize("who", [ALICE, SATO])
def test_the_insured_and_staff_find_the_other_insurance_form_in_their_language(client, who):
    login(client, who)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    form = page.split('id="form-OtherInsuranceDeclared"')[1].split("</form>")[0]
    assert "重複保険の申告" in page
    for label in ("他の保険会社と保険証券", "その保険のてん補限度額（円）", "その保険の免責金額（円）", "その保険の縮小てん補割合（%）"):
        assert label in form
    assert re.search(r'name="coinsurance_pct"[^>]*value="100"', form)  # the default, prefilled


def test_an_english_reader_gets_the_form_in_english(client):
    login(client, BOB)  # language en
    page = client.get(f"/incidents/{OTHER}").get_data(as_text=True)
    form = page.split('id="form-OtherInsuranceDeclared"')[1].split("</form>")[0]
    assert "Other insurance declared" in page
    assert "Other insurer and policy" in form and "Its coinsurance (%)" in form and "重複保険" not in page


def test_declaring_other_insurance_shares_the_liability_part_on_the_statement(client):
    login(client, ALICE)
    for event in CLAIM:
        assert post_event(client, OWN, event).status_code == 200
    assert post_event(client, OWN, OTHER_POLICY).status_code == 200
    statement = client.get(f"/incidents/{OWN}/statement", headers=HX).get_data(as_text=True)
    assert "按分する損害額" in statement and "この保険の独立責任額" in statement
    assert "他の保険: 他社損保 PL-123" in statement
    assert "80,000,000円" in statement and "79,900,000円" in statement and "50,000,000円" in statement
    assert "49,207,082円" in statement  # ⌊80,000,000 × 79,900,000 ÷ 129,900,000⌋
    assert "賠償責任部分の重複保険（独立責任額按分）" in statement


def test_a_coinsurance_for_the_liability_part_is_shown_beside_its_field_and_stores_nothing(client):
    login(client, ALICE)
    response = post_event(client, OWN, OTHER_POLICY | {"coinsurance_pct": "90"})
    assert response.status_code == 422
    assert 'id="form-OtherInsuranceDeclared-coinsurance_pct-error"' in response.get_data(as_text=True)
    service = client.application.extensions["casemgr"].service
    assert [r.type for r in service.history(OPERATOR, OWN)] == ["LeakDiscovered"]


def test_the_demo_statement_shows_the_expense_part_shared_with_the_figures_of_the_core(web_app):
    core = web_app.extensions["casemgr"]
    load_demo(core, PASSWORD)
    client = login(web_app.test_client(), STAFF_EMAIL)
    page = client.get("/incidents/TAMA-2005-0042/INC-1/statement", headers=HX).get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr class="apportionment">(.*?)</tr>', page, re.S)]
    shared = core.service.statement(OPERATOR, "TAMA-2005-0042/INC-1").statement.apportionment("expenses")
    (other,) = shared.others
    assert rows[:3] == [f"按分する損害額 {shared.loss_yen:,}円", f"この保険の独立責任額 {shared.own_yen:,}円",
                        f"他の保険: {other.insurer} (限度額 {other.limit_yen:,}円、免責金額 "
                        f"{other.deductible_yen:,}円、{other.coinsurance_pct}%) {other.share_yen:,}円"]
    assert rows[3].startswith("費用特約部分の重複保険（独立責任額按分）")
    assert f"{shared.payable_yen:,}円を支払います" in rows[3]


# -- the what-if page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "ref", "status"), [(ALICE, OWN, 200), (ALICE, OTHER, 404), (SATO, OWN, 200),
                                                    (SATO, OTHER, 404), (BOB, OTHER, 200), (BOB, OWN, 404),
                                                    (ROOT, OWN, 200), (ROOT, OTHER, 200)])
def test_the_whatif_page_answers_by_the_access_table(client, who, ref, status):
    login(client, who)
    response = client.get(f"/incidents/{ref}/whatif")
    assert response.status_code == status
    if status == 404:
        assert "SK-" not in response.get_data(as_text=True).split("<main>")[1]


def test_the_incident_page_links_to_the_whatif_page_and_it_marks_the_cap_that_binds(client):
    login(client, ALICE)
    for event in CLAIM:
        post_event(client, OWN, event)
    page = client.get(f"/incidents/{OWN}").get_data(as_text=True)
    assert f'href="/incidents/{OWN}/whatif"' in page and "もしも: この事故をパターンA〜Eで計算すると" in page
    whatif = client.get(f"/incidents/{OWN}/whatif").get_data(as_text=True)
    assert "パターンA" in whatif and "パターンE" in whatif and "この保険 (D)" in whatif
    assert "<strong>10,000,000円 ◀</strong>" in whatif  # pattern A: its liability limit binds
    assert "てん補限度額10,000,000円（1請求・期間中）で頭打ち" in whatif
    assert "限度額による頭打ちはありません" in whatif  # pattern D and the policy: nothing binds
    assert "79,900,000円" in whatif
    assert "<script>" not in whatif and "style=" not in whatif


def test_the_whatif_page_in_english(client):
    login(client, ROOT)
    whatif = client.get(f"/incidents/{OWN}/whatif").get_data(as_text=True)
    assert "What if: SK-1/INC-1 under patterns A–E" in whatif
    assert "Pattern A" in whatif and "This policy (D)" in whatif
    assert "no cap binds: the loss after the deductible is paid in full" in whatif
    assert "パターン" not in whatif


def test_a_past_version_has_no_whatif_link(client):
    login(client, ALICE)
    page = client.get(f"/incidents/{OWN}?version=1").get_data(as_text=True)
    assert "/whatif" not in page
