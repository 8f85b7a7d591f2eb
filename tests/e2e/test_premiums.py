"""Premiums in a real browser (DOMAIN §10): a staff user fills in the new-policy form and the
estimate follows through htmx (band, 約, PL discount, first debit, the programme-size warning);
issues the policy; records two failed debits on its page without a reload, and the policy is
cancelled from its start. Screenshots of the estimate and of the cancelled policy."""

from __future__ import annotations

from tests.conftest import OPERATOR
from tests.e2e.conftest import log_in
from tests.e2e.test_story import shot


def test_a_staff_user_sees_the_estimate_issues_the_policy_and_two_failed_debits_cancel_it(live_server, page_for):
    base, logins, core = live_server
    programme = next(p for p in core.accounts.list_programmes(OPERATOR) if p.code.startswith("DEMO-"))
    year = programme.code.split("-")[1]
    page = page_for("ja-JP")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, logins["staff"].email)

    page.goto(f"{base}/staff/policies/new")
    page.select_option("select[name=programme]", programme.code)
    page.fill("input[name=number]", f"DEMO-{year}-0100")
    page.fill("input[name=business_name]", "テスト商店")
    page.fill("input[name=industry]", "retail")
    page.fill("input[name=annual_revenue_yen]", "300,000,000")
    page.check("input[name=pattern][value=B]")
    page.fill("input[name=period_start]", f"{year}-04-01T16:00")
    page.fill("input[name=period_end]", f"{int(year) + 1}-04-01T16:00")
    page.check("input[name=pl_insurance]")  # a change: the preview follows
    page.wait_for_function("() => document.querySelector('#premium-estimate') &&"
                           " document.querySelector('#premium-estimate').innerText.includes('76,000')")
    estimate = page.inner_text("#premium-estimate")
    assert "約" in estimate and "300,000,000円以下" in estimate and f"{year}-04-27" in estimate
    assert "4,000円" in estimate and "99事業者以下" in estimate  # the PL discount, the programme-size warning
    shot(page, "policy-estimate-ja", full=False)
    with page.expect_navigation():
        page.click("form.policy-form button[type=submit]:not(.secondary)")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/staff/policies/DEMO-{year}-0100"), page.url
    assert "76,000円" in page.inner_text("#premium")

    marker = page.evaluate("() => { window.__same_page = 7; return window.__same_page }")
    for on in (f"{year}-04-27", f"{year}-05-27"):
        page.check("input[name=type][value=PremiumDebitFailed]")
        page.fill("form.debit-form input[name=on]", on)
        page.click("form.debit-form button[type=submit]")
        page.wait_for_function(f"() => document.querySelector('#premium').innerText.includes('{on}')")
        page.wait_for_timeout(100)
    page.wait_for_selector(".cancelled")
    assert page.evaluate("() => window.__same_page") == marker  # no reload
    assert "始期にさかのぼって取消" in page.inner_text("#policy")
    assert page.locator("form.debit-form").count() == 0
    shot(page, "policy-cancelled-ja")

    # The second failure was the bank's error: staff void it, and the policy stands again (P15).
    row = page.locator("tr[data-event=e3]")
    row.locator("details.void summary").click()
    row.locator("input[name=reason]").fill("銀行側の誤り：引落しはできていた")
    row.locator("details.void button[type=submit]").click()
    page.wait_for_selector("tr.voided[data-event=e3]")
    assert page.evaluate("() => window.__same_page") == marker  # no reload
    assert page.locator(".cancelled").count() == 0 and page.locator("form.debit-form").count() == 1
    assert "e4で取消: 銀行側の誤り" in page.inner_text("tr.voided[data-event=e3]")
    shot(page, "policy-voided-ja")
    assert not errors, errors
