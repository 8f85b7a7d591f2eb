"""The story of issue 7 in a real browser: an insured user reports a leak, records events
through htmx and sees the statement and deadlines change without a reload; a staff user
finds that deadline on the dashboard and records a decision. Screenshots of the main
pages go to docs/screenshots/ (shown in the README)."""

from __future__ import annotations

import re

from tests.e2e.conftest import SCREENSHOTS, log_in


def shot(page, name: str, full: bool = True) -> None:
    """A screenshot (a full-page one resizes the view: take it when a page is done with)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


def submit(page, kind: str) -> None:
    """Send an event form; when it is recorded, wait until the forms panel has been
    replaced by its refresh (HX-Trigger: incident-changed), so the next form is the live one."""
    page.evaluate("() => { document.querySelector('#forms').dataset.stale = '1' }")
    page.click(f"form#form-{kind} button[type=submit]")


def settled(page) -> None:
    page.wait_for_function("() => !document.querySelector('#forms').dataset.stale")
    page.wait_for_timeout(100)  # htmx settles swapped content after a short delay


def open_form(page, kind: str) -> str:
    """Unfold the event form as a person would (its <details>); its CSS selector."""
    details = page.locator(f"details:has(form#form-{kind})")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return f"form#form-{kind}"


def test_an_insured_user_reports_a_leak_and_a_staff_user_finds_it_on_the_dashboard(live_server, page_for):
    base, logins, core = live_server
    page = page_for("ja-JP")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, logins["insured"].email)

    # Report a leak (a plain form: works without JavaScript too).
    page.goto(f"{base}/incidents/report")
    page.select_option("select[name=policy]", index=1)
    page.fill("input[name=reference]", "E2E-1")
    page.fill("input[name=on]", "2026-11-20")
    page.fill("textarea[name=summary]", "委託先でファイルの送信先を誤った")
    page.select_option("select[name=cause]", "vendor")
    page.select_option("select[name=media]", "electronic")
    page.check("input[name=data_items][value=name]")
    page.check("input[name=data_items][value=credit_card]")
    page.fill("input[name=affected_count]", "1500")
    with page.expect_navigation():
        page.click("form#form-LeakDiscovered button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/incidents/[0-9a-f-]{36}$", page.url), page.url
    assert "E2E-1" in page.inner_text("main")
    incident_ref = page.url.rsplit("/", 1)[1]
    shot(page, "incident-new-ja", full=False)
    deadlines_before = page.inner_text("#deadlines")
    assert "ppc_final" in deadlines_before or "個人情報保護委員会" in deadlines_before or "PPC" in deadlines_before

    # Record a cost through htmx: the timeline grows and the statement follows, no reload.
    marker = page.evaluate("() => { window.__same_page = 42; return window.__same_page }")
    open_form(page, "Publicized")
    page.fill("form#form-Publicized input[name=on]", "2026-11-21")
    page.select_option("form#form-Publicized select[name=how]", "press_release")
    submit(page, "Publicized")
    page.wait_for_function("() => document.querySelector('#timeline').innerText.includes('2026-11-21')")
    settled(page)
    open_form(page, "IndividualsNotified")
    page.fill("form#form-IndividualsNotified input[name=on]", "2026-11-21")
    page.fill("form#form-IndividualsNotified input[name=recipients]", "1500")
    page.fill("form#form-IndividualsNotified input[name=cost_yen]", "300000")
    submit(page, "IndividualsNotified")
    page.wait_for_function("() => document.querySelector('#statement').innerText.includes('300,000')")
    settled(page)
    assert page.evaluate("() => window.__same_page") == marker  # htmx swapped fragments: the page never reloaded
    assert "300,000" in page.inner_text("#timeline") or "300000" in page.inner_text("#timeline")

    # Bad input the browser lets through (a date in the future): the core's error shows
    # beside the field, nothing is stored. (A negative amount never leaves the browser: min=0.)
    before = len(core.service.history(core.accounts.authenticate_password(logins["insured"].email,
                                                                            logins["insured"].password),
                                      incident_ref))
    open_form(page, "IndividualsNotified")
    page.fill("form#form-IndividualsNotified input[name=on]", "2026-12-31")
    page.fill("form#form-IndividualsNotified input[name=recipients]", "10")
    page.fill("form#form-IndividualsNotified input[name=cost_yen]", "1000")
    page.click("form#form-IndividualsNotified button[type=submit]")
    page.wait_for_selector("form#form-IndividualsNotified .field-error")
    assert "2026-12-31" in page.inner_text("form#form-IndividualsNotified")  # the date's own error, beside it
    page.locator("form#form-IndividualsNotified").scroll_into_view_if_needed()
    shot(page, "incident-ja", full=False)
    after = len(core.service.history(core.accounts.authenticate_password(logins["insured"].email,
                                                                           logins["insured"].password),
                                     incident_ref))
    assert after == before

    # Staff: the new incident's deadline on the dashboard, then a decision on the incident page.
    staff = page_for("en-US")
    staff.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(staff, base, logins["staff"].email)
    staff.goto(f"{base}/staff/")
    assert "E2E-1" in staff.content()
    shot(staff, "dashboard-ja", full=False)  # the staff user's own language (Japanese) wins
    with staff.expect_navigation():
        staff.click("a:has-text('E2E-1')")
    staff.wait_for_load_state("networkidle")
    open_form(staff, "ExclusionApplied")
    staff.fill("form#form-ExclusionApplied input[name=on]", "2026-11-22")
    staff.select_option("form#form-ExclusionApplied select[name=scope]", "expenses") if staff.locator(
        "form#form-ExclusionApplied select[name=scope]").count() else staff.fill(
        "form#form-ExclusionApplied input[name=scope]", "expenses")
    staff.select_option("form#form-ExclusionApplied select[name=reason]", "intent")
    staff.click("form#form-ExclusionApplied button[type=submit]")
    # The staff user's own language (Japanese) wins over the browser's.
    staff.wait_for_function("() => document.querySelector('#timeline').innerText.includes('故意')")
    kinds = [row.type for row in core.service.history(core.accounts.authenticate_password(
        logins["staff"].email, logins["staff"].password), incident_ref)]
    assert kinds[-1] == "ExclusionApplied"
    shot(staff, "incident-staff-en")
    # No script error and nothing the Content Security Policy blocks (htmx settles no style
    # attribute: base.html's htmx-config leaves "style" out of attributesToSettle).
    admin = page_for("en-US")  # the demo admin reads English
    log_in(admin, base, logins["admin"].email)
    admin.goto(f"{base}/staff/?status=overdue&status=due_soon")
    assert "Overdue" in admin.content() or "overdue" in admin.content()
    shot(admin, "dashboard-en", full=False)
    admin.goto(f"{base}/incidents/TAMA-2005-0042/INC-1")
    shot(admin, "incident-en", full=False)
    assert [e for e in errors if "status of 422" not in e] == []  # 422: the refused form
