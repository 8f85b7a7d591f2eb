"""Accounts through the service (DOMAIN §9), on SQLite and PostgreSQL: users log in
by password or token, a deactivated one cannot, a copy of the store lets nobody in,
only admin and operator manage accounts, and reminders find their recipients."""

from __future__ import annotations

import sqlite3
import statistics
import time
from contextlib import closing
from urllib.parse import unquote, urlsplit

import psycopg
import pytest

from casemgr.accounts import Accounts
from casemgr.errors import DomainError, NotFound, NotPermitted
from events.accounts import user_id
from events.values import Actor
from tests.conftest import INSURED, OPERATOR, STAFF

PASSWORD = "correct horse battery staple"
SATO, ALICE, BOB = "sato@insurer.example.jp", "alice@shop.example.jp", "bob@other.example.jp"
ADMIN = Actor("admin", "root@insurer.example.jp")


@pytest.fixture
def accounts(app) -> Accounts:
    accounts = Accounts(app)
    accounts.add_programme("SHOKOKAI-2005", "全国商工会連合会", OPERATOR, insurer="X損保")
    accounts.add_business("M-0001", "Shop", OPERATOR, industry="retail", annual_revenue_yen=300_000_000,
                          contacts=["Info@Shop.example.jp"], lang="en")
    accounts.add_business("M-0002", "Other", OPERATOR)
    accounts.add_user(SATO, "staff", "Sato", "ja", PASSWORD, OPERATOR, programmes=["SHOKOKAI-2005"])
    accounts.add_user(ALICE, "insured", "Alice", "en", PASSWORD, OPERATOR, business="M-0001")
    accounts.add_user(BOB, "insured", "Bob", "ja", PASSWORD, OPERATOR, business="M-0002")
    return accounts


def raw_states(url: str) -> list[bytes]:
    """The stored state of every event, straight from the database (SQLite:
    ``stored_events``; PostgreSQL: ``casemgr_events``)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        with closing(sqlite3.connect(unquote(parts.path)[1:])) as conn:
            rows = conn.execute("SELECT state FROM stored_events").fetchall()
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT state FROM casemgr_events").fetchall()
    assert rows
    return [bytes(state) for (state,) in rows]


def test_a_user_logs_in_with_its_password_and_acts_within_its_business(accounts):
    assert accounts.authenticate_password(ALICE, PASSWORD) == Actor("insured", ALICE, business="M-0001")
    assert accounts.authenticate_password("Alice@Shop.example.jp", PASSWORD) == Actor("insured", ALICE,
                                                                                       business="M-0001")
    assert accounts.authenticate_password(SATO, PASSWORD) == Actor(
        "staff", SATO, programmes=frozenset({"SHOKOKAI-2005"}))


def test_a_wrong_password_or_an_unknown_user_is_refused_alike(accounts):
    assert accounts.authenticate_password(ALICE, PASSWORD + "x") is None
    assert accounts.authenticate_password("nobody@shop.example.jp", PASSWORD) is None
    assert accounts.authenticate_password("not an address", PASSWORD) is None
    assert accounts.authenticate_password(ALICE, "") is None


def test_an_unknown_user_takes_about_as_long_to_refuse_as_a_wrong_password(accounts):
    def median(email: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            accounts.authenticate_password(email, "wrong password!")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    known, unknown = median(ALICE), median("nobody@shop.example.jp")
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_a_deactivated_user_cannot_log_in_or_use_its_tokens_but_stays_listed(accounts):
    token = accounts.create_token(ALICE, "laptop", OPERATOR)
    accounts.deactivate_user(ALICE, ADMIN)

    assert accounts.authenticate_password(ALICE, PASSWORD) is None
    assert accounts.authenticate_token(token) is None
    listed = {u.email: u for u in accounts.list_users(OPERATOR)}
    assert listed[ALICE].active is False and listed[ALICE].name == "Alice"
    with pytest.raises(DomainError) as refused:
        accounts.add_user(ALICE, "insured", "Alice", "en", PASSWORD, OPERATOR, business="M-0001")
    assert refused.value.field == "email"


def test_a_token_round_trip_gives_the_users_actor(accounts):
    token = accounts.create_token(SATO, "ci", OPERATOR)
    assert token.startswith("cm_")
    assert accounts.authenticate_token(token) == Actor("staff", SATO, programmes=frozenset({"SHOKOKAI-2005"}))
    (listed,) = accounts.user(SATO, OPERATOR).tokens
    assert (listed.label, listed.revoked) == ("ci", False)


def test_a_token_names_its_user_so_another_users_token_id_or_secret_does_not_fit(accounts):
    sato, alice = accounts.create_token(SATO, "ci", OPERATOR), accounts.create_token(ALICE, "ci", OPERATOR)
    _, sato_user, sato_id, sato_secret = sato.split("_", 3)
    _, alice_user, alice_id, alice_secret = alice.split("_", 3)

    assert accounts.authenticate_token(f"cm_{sato_user}_{alice_id}_{alice_secret}") is None
    assert accounts.authenticate_token(f"cm_{alice_user}_{sato_id}_{sato_secret}") is None
    assert accounts.authenticate_token(f"cm_{sato_user}_{sato_id}_{alice_secret}") is None


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t + "x",
    lambda t: t.replace("cm_", "xx_", 1),
    lambda t: t.rsplit("_", 1)[0],
    lambda t: "",
    lambda t: "cm_nothex_abc_def",
    lambda t: "cm_" + "0" * 32 + "_abcdef123456_" + "x" * 43,
])
def test_a_tampered_token_is_refused(accounts, tamper):
    token = accounts.create_token(SATO, "ci", OPERATOR)
    assert accounts.authenticate_token(tamper(token)) is None


def test_a_revoked_token_is_refused(accounts):
    token = accounts.create_token(SATO, "ci", OPERATOR)
    accounts.revoke_token(SATO, token.split("_")[2], ADMIN)
    assert accounts.authenticate_token(token) is None


def test_a_copy_of_the_store_holds_no_password_or_token_in_plaintext(accounts, store_url):
    token = accounts.create_token(SATO, "ci", OPERATOR)
    secret = token.split("_", 3)[3]
    states = raw_states(store_url)

    assert any(SATO.encode() in state for state in states)  # the control: account events are there
    assert not any(PASSWORD.encode() in state for state in states)
    assert not any(secret.encode() in state for state in states)
    assert not any(token.encode() in state for state in states)


def test_a_new_password_replaces_the_old_one(accounts):
    accounts.set_password(ALICE, "another long password", ADMIN)
    assert accounts.authenticate_password(ALICE, PASSWORD) is None
    assert accounts.authenticate_password(ALICE, "another long password") is not None


def test_a_short_password_is_refused_saying_how_long_it_must_be(accounts):
    with pytest.raises(DomainError) as refused:
        accounts.add_user("carol@shop.example.jp", "insured", "", "ja", "short", OPERATOR, business="M-0001")
    assert refused.value.field == "password" and "12" in refused.value.message
    with pytest.raises(NotFound):
        accounts.user("carol@shop.example.jp", OPERATOR)


@pytest.mark.parametrize("actor", [STAFF, INSURED, Actor("system", "workers")])
def test_only_admin_or_operator_may_manage_accounts(accounts, actor):
    for manage in (
        lambda: accounts.add_user("carol@shop.example.jp", "admin", "", "ja", PASSWORD, actor),
        lambda: accounts.add_programme("P2", "P2", actor),
        lambda: accounts.add_business("M-9", "Nine", actor),
        lambda: accounts.update_business("M-0001", actor, lang="ja"),
        lambda: accounts.deactivate_user(ALICE, actor),
        lambda: accounts.set_password(ALICE, PASSWORD, actor),
        lambda: accounts.create_token(ALICE, "x", actor),
        lambda: accounts.list_users(actor),
    ):
        with pytest.raises(NotPermitted):
            manage()
    assert accounts.authenticate_password(ALICE, PASSWORD) is not None


def test_an_admin_manages_accounts_like_the_operator(accounts):
    accounts.add_user("root2@insurer.example.jp", "admin", "Root", "en", PASSWORD, ADMIN)
    assert accounts.authenticate_password("root2@insurer.example.jp", PASSWORD) == Actor(
        "admin", "root2@insurer.example.jp")


def test_an_insured_user_needs_an_existing_business_and_staff_an_existing_programme(accounts):
    with pytest.raises(NotFound) as refused:
        accounts.add_user("carol@shop.example.jp", "insured", "", "ja", PASSWORD, OPERATOR, business="M-404")
    assert refused.value.field == "business"
    with pytest.raises(NotFound) as refused:
        accounts.add_user("kato@insurer.example.jp", "staff", "", "ja", PASSWORD, OPERATOR,
                          programmes=["SHOKOKAI-2005", "NOPE"])
    assert refused.value.field == "programme"
    assert [u.email for u in accounts.list_users(OPERATOR)] == [SATO, ALICE, BOB]  # nothing stored


def test_users_are_listed_in_the_order_they_were_added(accounts):
    users = accounts.list_users(OPERATOR)
    assert [(u.email, u.role, u.business, u.programmes) for u in users] == [
        (SATO, "staff", None, ("SHOKOKAI-2005",)), (ALICE, "insured", "M-0001", ()), (BOB, "insured", "M-0002", ())]


def test_recipients_are_the_business_contacts_its_users_and_the_programme_staff_each_once(accounts):
    accounts.update_business("M-0001", OPERATOR, contacts=["info@shop.example.jp", ALICE])
    assert accounts.recipients("M-0001", "SHOKOKAI-2005") == [
        ("info@shop.example.jp", "en"), (ALICE, "en"), (SATO, "ja")]
    assert accounts.recipients("M-0002", "SHOKOKAI-2005") == [(BOB, "ja"), (SATO, "ja")]


def test_recipients_of_many_pairs_are_each_pairs_own(accounts):
    """The listing's batch (each business, programme and user read once) gives every pair what
    it alone would: shared staff in each, a business's own contacts only in its pairs."""
    accounts.update_business("M-0001", OPERATOR, contacts=["info@shop.example.jp", ALICE])
    accounts.add_programme("CCI-TOKYO", "東京商工会議所", OPERATOR)
    pairs = [("M-0001", "SHOKOKAI-2005"), ("M-0002", "SHOKOKAI-2005"), ("M-0001", "CCI-TOKYO"),
             ("M-0002", "SHOKOKAI-2005"), (None, "SHOKOKAI-2005"), ("NOPE", None)]
    assert accounts.recipients_of(pairs) == {
        ("M-0001", "SHOKOKAI-2005"): [("info@shop.example.jp", "en"), (ALICE, "en"), (SATO, "ja")],
        ("M-0002", "SHOKOKAI-2005"): [(BOB, "ja"), (SATO, "ja")],
        ("M-0001", "CCI-TOKYO"): [("info@shop.example.jp", "en"), (ALICE, "en")],
        (None, "SHOKOKAI-2005"): [(SATO, "ja")],
        ("NOPE", None): [],
    }


def test_a_deactivated_user_gets_no_reminders(accounts):
    accounts.deactivate_user(SATO, OPERATOR)
    accounts.deactivate_user(ALICE, OPERATOR)
    assert accounts.recipients("M-0001", "SHOKOKAI-2005") == [("info@shop.example.jp", "en")]
    assert accounts.programme("SHOKOKAI-2005", OPERATOR).staff == ()


def test_a_staff_user_assigned_a_second_programme_acts_in_both(accounts):
    accounts.add_programme("CCI-TOKYO", "東京商工会議所", OPERATOR)
    accounts.assign_programme(SATO, "CCI-TOKYO", ADMIN)
    assert accounts.authenticate_password(SATO, PASSWORD).programmes == {"SHOKOKAI-2005", "CCI-TOKYO"}
    assert accounts.recipients(None, "CCI-TOKYO") == [(SATO, "ja")]


def test_an_import_creates_its_programme_and_business_on_first_use_and_reuses_them(accounts):
    first = accounts.ensure_programme("default", OPERATOR)
    assert (first.code, accounts.ensure_programme("default", STAFF)) == ("default", first)
    created = accounts.ensure_business("SK-2005-0001", "株式会社サンプル", "retail", 300_000_000, STAFF)
    again = accounts.ensure_business("SK-2005-0001", "another name", "", 0, OPERATOR)
    assert created == again and again.name == "株式会社サンプル"
    with pytest.raises(NotPermitted):
        accounts.ensure_business("SK-2005-0002", "x", "", 0, INSURED)


def test_each_sees_only_its_own_programme_business_or_user(accounts):
    alice = accounts.authenticate_password(ALICE, PASSWORD)
    sato = accounts.authenticate_password(SATO, PASSWORD)
    assert accounts.business("M-0001", alice).name == "Shop"
    assert accounts.programme("SHOKOKAI-2005", sato).insurer == "X損保"
    assert accounts.user(ALICE, alice).email == ALICE
    for hidden in (lambda: accounts.business("M-0002", alice), lambda: accounts.programme("SHOKOKAI-2005", alice),
                   lambda: accounts.user(SATO, alice), lambda: accounts.business("M-0001", sato)):
        with pytest.raises(NotFound):
            hidden()


def test_account_changes_are_audited_in_the_event_stream(app, accounts):
    accounts.deactivate_user(ALICE, ADMIN)
    # the stream of one user: who did what, when
    events = list(app.events.get(user_id(ALICE)))
    assert [(type(e).__name__, e.by, e.role) for e in events] == [
        ("Created", "console", "operator"), ("PasswordSet", "console", "operator"),
        ("Deactivated", ADMIN.user, "admin")]
    assert all(e.timestamp == app.clock.now() for e in events)


def test_programmes_and_businesses_are_listed_in_the_order_they_were_created(accounts):
    accounts.add_programme("CCI-TOKYO", "東京商工会議所", OPERATOR)
    accounts.ensure_business("SK-2005-0001", "株式会社サンプル", "retail", 300_000_000, STAFF)  # an import's
    accounts.update_business("M-0002", ADMIN, name="Other Ltd")
    assert accounts.list_programmes(ADMIN) == [accounts.programme("SHOKOKAI-2005", OPERATOR),
                                               accounts.programme("CCI-TOKYO", OPERATOR)]
    assert accounts.list_programmes(ADMIN)[0].staff == (SATO,)
    businesses = accounts.list_businesses(OPERATOR)
    assert [(b.code, b.name) for b in businesses] == [
        ("M-0001", "Shop"), ("M-0002", "Other Ltd"), ("SK-2005-0001", "株式会社サンプル")]
    assert businesses[0] == accounts.business("M-0001", OPERATOR)


def test_the_lists_read_past_a_page_of_the_notification_log(accounts, monkeypatch):
    monkeypatch.setattr("casemgr.accounts.PAGE", 2)
    for n in range(3):
        accounts.add_programme(f"P-{n}", f"Programme {n}", OPERATOR)
        accounts.add_business(f"M-1{n}", f"Business {n}", OPERATOR)
    assert [p.code for p in accounts.list_programmes(OPERATOR)] == ["SHOKOKAI-2005", "P-0", "P-1", "P-2"]
    assert [b.code for b in accounts.list_businesses(OPERATOR)] == ["M-0001", "M-0002", "M-10", "M-11", "M-12"]
    assert [u.email for u in accounts.list_users(OPERATOR)] == [SATO, ALICE, BOB]


@pytest.mark.parametrize("actor", [STAFF, INSURED, Actor("system", "workers")])
def test_only_admin_or_operator_may_list_programmes_and_businesses(accounts, actor):
    for listing in (accounts.list_programmes, accounts.list_businesses):
        with pytest.raises(NotPermitted):
            listing(actor)
