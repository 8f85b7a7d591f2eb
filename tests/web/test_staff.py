"""The staff pages through the test client: the deadline dashboard, the incident list and
the policies, on SQLite and PostgreSQL (``store_url``), with the users of conftest."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from casemgr.readmodels.queries import DeadlineFilter
from casemgr.texts import localize
from events import policy as core_policy
from events.values import Actor
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, ROOT, SATO, csrf, login

SATO_ACTOR = Actor("staff", SATO, None, frozenset({"P1"}))


def service(client):
    return client.application.extensions["casemgr"].service


def keys(page: str) -> list[str]:
    return [html.unescape(k) for k in re.findall(r'<tr class="row-\w+" data-key="([^"]+)"', page)]


def statuses(page: str) -> list[str]:
    return re.findall(r'<tr class="row-(\w+)" data-key', page)


def next_link(page: str) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def unpaged(client, actor: Actor = OPERATOR, **flt) -> list[str]:
    rows = service(client).deadlines(actor, flt=DeadlineFilter(**flt), per_page=500).rows
    return [f"{r.incident}|{r.deadline}|{r.claim_ref or ''}" for r in rows]


def close_own_incident(client) -> None:
    service(client).record(SATO_ACTOR, "SK-1/INC-1", {"type": "IncidentClosed", "on": "2005-12-01",
                                                      "reason": "settled"})


# -- the dashboard -------------------------------------------------------------------------

def test_the_dashboard_shows_staff_their_programmes_deadlines_and_no_one_elses(client):
    login(client, SATO)
    page = client.get("/staff/").get_data(as_text=True)
    assert "/incidents/SK-1/INC-1" in page and "SK-2" not in page
    assert keys(page) == unpaged(client, SATO_ACTOR)


def test_an_admin_sees_every_programmes_deadlines(client):
    login(client, ROOT)
    page = client.get("/staff/?per_page=500").get_data(as_text=True)
    assert "/incidents/SK-1/INC-1" in page and "/incidents/SK-2/INC-1" in page
    assert keys(page) == unpaged(client)


@pytest.mark.parametrize("path", ["/staff/", "/staff/incidents", "/staff/policies", "/staff/policies/new",
                                  "/staff/policies/SK-1", "/staff/policies/preview"])
def test_an_insured_user_is_told_the_staff_pages_do_not_exist(client, path):
    login(client, ALICE)
    assert client.get(path).status_code == 404


def test_overdue_rows_come_first_then_by_due_date(client):
    login(client, ROOT)
    page = client.get("/staff/?per_page=500").get_data(as_text=True)
    seen = statuses(page)
    assert "overdue" in seen and set(seen) - {"overdue"}
    assert seen == sorted(seen, key=lambda s: s != "overdue")


def test_a_row_names_its_deadline_due_day_and_weekday_days_overdue_and_rule(client):
    login(client, SATO)
    page = client.get("/staff/?deadline=insurer_notice").get_data(as_text=True)
    assert "2005-06-06 (月)" in page  # 2005-06-01 + 5 days, a Monday
    assert "保険会社への事故通知" in page and "status status-overdue" in page
    assert re.search(r"\d+日超過", page)
    row = service(client).deadlines(SATO_ACTOR, flt=DeadlineFilter(deadline="insurer_notice")).rows[0]
    assert html.escape(localize(row.rule, "ja")) in page and "漏えいを知った日 2005-06-01 の翌日から5日" in page
    assert html.escape(str(row.rule)) not in page  # Sato reads Japanese


def test_filters_narrow_by_status_deadline_and_closed_incidents(client):
    close_own_incident(client)
    login(client, ROOT)
    only_overdue = keys(client.get("/staff/?status=overdue&per_page=500").get_data(as_text=True))
    assert only_overdue == unpaged(client, statuses=("overdue",)) and len(only_overdue) < len(unpaged(client))
    two = keys(client.get("/staff/?status=overdue&status=not_applicable&per_page=500").get_data(as_text=True))
    assert two == unpaged(client, statuses=("overdue", "not_applicable"))
    final = keys(client.get("/staff/?deadline=ppc_final").get_data(as_text=True))
    assert final == unpaged(client, deadline="ppc_final") and len(final) == 2
    closed = keys(client.get("/staff/?closed=closed&per_page=500").get_data(as_text=True))
    open_ = keys(client.get("/staff/?closed=open&per_page=500").get_data(as_text=True))
    assert closed == unpaged(client, closed=True) and open_ == unpaged(client, closed=False)
    assert closed and open_ and not set(closed) & set(open_)
    p1 = keys(client.get("/staff/?programme=P1&per_page=500").get_data(as_text=True))
    assert p1 == unpaged(client, SATO_ACTOR)
    window = keys(client.get("/staff/?due_from=2005-06-06&due_to=2005-06-30&per_page=500").get_data(as_text=True))
    assert window == unpaged(client, due_from=dt.date(2005, 6, 6), due_to=dt.date(2005, 6, 30))


def test_a_filter_that_does_not_parse_is_said_beside_the_form(client):
    login(client, SATO)
    response = client.get("/staff/?due_from=tomorrow&status=lost")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)
    assert client.get("/staff/?cursor=not-a-cursor").status_code == 400


def test_the_next_page_link_walks_every_row_exactly_once_keeping_the_filters(client):
    login(client, ROOT)
    for query, flt in (("", {}), ("&status=overdue", {"statuses": ("overdue",)})):
        url, walked, pages = f"/staff/?per_page=3{query}", [], 0
        while url:
            page = client.get(url).get_data(as_text=True)
            walked += keys(page)
            url, pages = next_link(page), pages + 1
            if url:
                assert "per_page=3" in url and query.lstrip("&") in url
        assert walked == unpaged(client, **flt) and pages > 2


def test_an_htmx_request_gets_only_the_results_fragment(client):
    login(client, SATO)
    response = client.get("/staff/?status=overdue", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and body.lstrip().startswith('<section id="deadline-results"')
    assert keys(body) == unpaged(client, SATO_ACTOR, statuses=("overdue",))
    assert "HX-Request" in response.headers["Vary"]


def test_the_counts_on_top_are_the_cores(client):
    login(client, SATO)
    page = client.get("/staff/").get_data(as_text=True)
    counts = service(client).deadline_counts(SATO_ACTOR)
    assert f'{counts["overdue"]}</strong>' in page


# -- incidents -----------------------------------------------------------------------------

def test_the_incident_list_counts_open_and_closed_and_filters_them(client):
    close_own_incident(client)
    login(client, ROOT)
    page = client.get("/staff/incidents").get_data(as_text=True)
    assert "/incidents/SK-1/INC-1" in page and "/incidents/SK-2/INC-1" in page
    open_only = client.get("/staff/incidents?closed=open").get_data(as_text=True)
    assert "/incidents/SK-2/INC-1" in open_only and "/incidents/SK-1/INC-1" not in open_only
    assert re.search(r"Open incidents <strong>1</strong>", page) and re.search(r"Closed incidents <strong>1</strong>", page)


def test_the_incident_list_pages_with_its_cursor(client):
    login(client, ROOT)
    first = client.get("/staff/incidents?per_page=1").get_data(as_text=True)
    second = client.get(next_link(first)).get_data(as_text=True)
    found = re.findall(r'<tr data-key="([^"]+)"', first) + re.findall(r'<tr data-key="([^"]+)"', second)
    assert len(found) == 2 and len(set(found)) == 2 and next_link(second) is None


def test_staff_see_only_their_programmes_incidents(client):
    login(client, SATO)
    page = client.get("/staff/incidents").get_data(as_text=True)
    assert "/incidents/SK-1/INC-1" in page and "SK-2" not in page


# -- policies ------------------------------------------------------------------------------

def policy_form(**changes) -> dict:
    form = {"programme": "P1", "number": "SK-9", "business_code": "B9", "business_name": "九州商店",
            "industry": "retail", "annual_revenue_yen": "120,000,000", "pattern": "B",
            "period_start": "2005-04-01T16:00", "period_end": "2006-04-01T16:00",
            "deductible_yen": "100000", "expense_coinsurance_pct": "90", "riders": ["network"]}
    form.update(changes)
    return form


def test_a_policy_issued_from_pattern_b_is_listed_with_the_preset_limits(client):
    login(client, SATO)
    token = csrf(client, "/staff/policies/new")
    response = client.post("/staff/policies/new", data={**policy_form(), "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/policies/SK-9")
    listing = client.get("/staff/policies").get_data(as_text=True)
    assert 'href="/staff/policies/SK-9"' in listing and "B9" in listing
    page = client.get("/staff/policies/SK-9").get_data(as_text=True)
    for limit in ("30,000,000円", "3,000,000円"):
        assert limit in page
    assert "2005-04-01 16:00" in page and "2006-04-01 16:00" in page
    terms = service(client).policy(SATO_ACTOR, "SK-9").terms
    assert (terms.liability_limit_yen, terms.third_party_sublimit_yen, terms.expense_limit_yen) == \
        core_policy.PATTERNS["B"]
    assert terms.riders == ("network",) and terms.insured["annual_revenue_yen"] == 120_000_000


def test_custom_limits_and_a_mid_term_enrolment_are_stored_as_given(client):
    login(client, SATO)
    token = csrf(client, "/staff/policies/new")
    form = policy_form(pattern="custom", liability_limit_yen="100000000", expense_limit_yen="1000000",
                       enrolment_applied_on="2005-06-15", number="SK-10")
    assert client.post("/staff/policies/new", data={**form, "csrf_token": token}).status_code == 303
    terms = service(client).policy(SATO_ACTOR, "SK-10").terms
    assert (terms.liability_limit_yen, terms.third_party_sublimit_yen, terms.expense_limit_yen) == \
        (100_000_000, 1_000_000, 1_000_000)
    assert terms.period_start == "2005-08-01T00:00:00+09:00"


@pytest.mark.parametrize("change, field, message", [
    ({"annual_revenue_yen": "-5"}, "annual_revenue_yen", "0以上の数を入力してください"),  # the core's, in Japanese
    ({"period_end": "2005-01-01T16:00"}, "period_end", "保険期間の開始より後の日時にしてください"),
    ({"annual_revenue_yen": "a lot"}, "annual_revenue_yen", "整数"),
    ({"programme": "P2"}, "programme", "団体契約 P2 はご担当ではありません"),
    ({"number": "SK-2"}, "number", "この証券番号は使われています"),
])
def test_a_bad_field_shows_its_error_beside_it_and_stores_nothing(client, change, field, message):
    login(client, SATO)
    before = service(client).policies(OPERATOR)
    token = csrf(client, "/staff/policies/new")
    response = client.post("/staff/policies/new", data={**policy_form(**change), "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<span class="field-error" id="{field}-error">([^<]*)</span>', body)
    assert error and message in html.unescape(error.group(1))
    assert service(client).policies(OPERATOR) == before
    assert 'value="九州商店"' in body  # what was typed is shown again


def test_the_mid_term_preview_computes_the_coverage_start(client):
    login(client, SATO)
    query = ("/staff/policies/preview?pattern=B&period_start=2005-04-01T16:00&period_end=2006-04-01T16:00"
             "&enrolment_applied_on=2005-06-15")
    fragment = client.get(query, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and '<strong class="coverage-start">2005-08-01 00:00</strong>' in fragment
    assert "30,000,000円" in fragment
    without_js = client.get(query.replace("/preview", "/new")).get_data(as_text=True)
    assert "2005-08-01 00:00" in without_js and 'value="2005-06-15"' in without_js
    late = client.get(query.replace("2005-06-15", "2006-03-10"), headers={"HX-Request": "true"})
    assert "field-error" in late.get_data(as_text=True)


def test_a_policy_form_without_its_csrf_token_is_refused(client):
    login(client, SATO)
    assert client.post("/staff/policies/new", data=policy_form()).status_code == 400
    assert service(client).policies(OPERATOR) == service(client).policies(OPERATOR, programmes=("P1", "P2"))
    assert "SK-9" not in [p["number"] for p in service(client).policies(OPERATOR)]


def test_the_policy_page_of_another_programme_does_not_exist_for_staff(client):
    login(client, SATO)
    assert client.get("/staff/policies/SK-2").status_code == 404
    assert client.get("/staff/policies/SK-1").status_code == 200


# -- who may open what ---------------------------------------------------------------------

ROUTES = ["/staff/", "/staff/?status=overdue", "/staff/incidents", "/staff/policies", "/staff/policies/SK-1",
          "/staff/policies/SK-2", "/staff/policies/new", "/staff/policies/preview?enrolment_applied_on=2005-06-15"]
EXPECTED = {  # route -> (alice, bob, sato, root)
    "/staff/": (404, 404, 200, 200),
    "/staff/?status=overdue": (404, 404, 200, 200),
    "/staff/incidents": (404, 404, 200, 200),
    "/staff/policies": (404, 404, 200, 200),
    "/staff/policies/SK-1": (404, 404, 200, 200),
    "/staff/policies/SK-2": (404, 404, 404, 200),
    "/staff/policies/new": (404, 404, 200, 403),  # only staff issue policies
    "/staff/policies/preview?enrolment_applied_on=2005-06-15": (404, 404, 200, 403),
}


@pytest.mark.parametrize("who", [ALICE, BOB, SATO, ROOT])
def test_each_role_gets_the_status_the_access_table_gives(client, who):
    login(client, who)
    column = [ALICE, BOB, SATO, ROOT].index(who)
    got = {route: client.get(route).status_code for route in ROUTES}
    assert got == {route: EXPECTED[route][column] for route in ROUTES}
    posted = client.post("/staff/policies/new", data={**policy_form(number="SK-77"),
                                                      "csrf_token": csrf(client, "/")})
    assert posted.status_code == {ALICE: 404, BOB: 404, SATO: 303, ROOT: 403}[who]


def test_without_a_login_every_staff_page_sends_to_the_login_page(client):
    for route in ROUTES:
        response = client.get(route)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_counts_follow_an_event_recorded_after_they_were_counted(client):
    from tests.web.conftest import incident_log

    login(client, SATO)
    before = service(client).deadline_counts(SATO_ACTOR)
    assert f'{before["overdue"]}</strong>' in client.get("/staff/").get_data(as_text=True)
    service(client).import_log(OPERATOR, incident_log("SK-3", "P1", "B1"))  # kept counts are now stale
    after = service(client).deadline_counts(SATO_ACTOR)
    assert after != before
    assert f'{after["overdue"]}</strong>' in client.get("/staff/?cursor=").get_data(as_text=True)
    assert f'{after["overdue"]}</strong>' in client.get("/staff/").get_data(as_text=True)


def test_the_dashboard_counts_stop_at_the_cap(client, monkeypatch):
    """Above the cap a count shows as "cap+" (decision 63); at or below it, exactly."""
    login(client, SATO)
    exact = service(client).deadline_counts(SATO_ACTOR)
    cap = exact["overdue"] - 1
    assert cap >= 1 and exact["due_soon"] + exact["open"] <= 50
    monkeypatch.setattr("web.staff.counts.CAP", cap)
    page = client.get("/staff/?per_page=10").get_data(as_text=True)
    counts = re.findall(r'class="status status-(\w+)">[^<]*</span> <strong>([^<]+)</strong>', page)
    shown = dict(counts)
    assert shown["overdue"] == f"{cap:,}+"
    for status in ("due_soon", "open"):
        n = exact[status]
        assert shown[status] == (f"{cap:,}+" if n > cap else f"{n:,}")
