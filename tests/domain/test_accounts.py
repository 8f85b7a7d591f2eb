"""DOMAIN §9: the Programme, Business and User aggregates, without a store.

Only admin and operator manage accounts; each refusal names its field; every
event carries who did it and when; a user is deactivated, never deleted."""

from __future__ import annotations

import datetime as dt

import pytest

from events.accounts import (
    Business, Programme, User, business_id, check_code, check_email, programme_id, user_id,
)
from events.errors import DomainError, NotPermitted
from events.values import JST, Actor
from tests.conftest import INSURED, OPERATOR, STAFF

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST)
ADMIN = Actor("admin", "root@insurer.example.jp")
SYSTEM = Actor("system", "workers")
HASH = "scrypt$16384$8$1$c2FsdA==$aGFzaA=="


def staff_user(**changes) -> User:
    args = {"email": "Sato@Insurer.example.jp", "role": "staff", "name": "Sato", "lang": "ja",
            "business": None, "programmes": ["SHOKOKAI-2005"], "actor": ADMIN, "timestamp": NOW}
    return User.create(**{**args, **changes})


def test_ids_derive_from_the_codes_and_the_lower_cased_email():
    assert programme_id("P") == programme_id("P") != programme_id("Q")
    assert business_id("P") != programme_id("P")
    assert user_id("Sato@Insurer.example.jp") == user_id("sato@insurer.example.jp")
    assert staff_user().id == user_id("sato@insurer.example.jp")


def test_a_user_keeps_its_email_lower_cased_and_acts_with_its_programmes():
    user = staff_user()
    assert user.email == "sato@insurer.example.jp"
    assert user.actor() == Actor("staff", "sato@insurer.example.jp", programmes=frozenset({"SHOKOKAI-2005"}))


def test_an_insured_user_acts_for_its_business_only():
    user = staff_user(role="insured", business="M-0001", programmes=[])
    assert user.actor() == Actor("insured", "sato@insurer.example.jp", business="M-0001")


@pytest.mark.parametrize("actor", [SYSTEM, STAFF, INSURED])
def test_only_admin_or_operator_may_create_a_user(actor):
    with pytest.raises(NotPermitted) as refused:
        staff_user(actor=actor)
    assert refused.value.field == "role"


@pytest.mark.parametrize("actor", [SYSTEM, STAFF, INSURED])
def test_only_admin_or_operator_may_create_a_programme_or_a_business(actor):
    with pytest.raises(NotPermitted):
        Programme.create("P", "P", "", actor, NOW)
    with pytest.raises(NotPermitted):
        Business.create("M-1", "Shop", "", 0, [], "ja", actor, NOW)


def test_staff_may_create_a_business_on_first_use_when_the_caller_allows_it():
    business = Business.create("M-1", "Shop", "", 0, [], "ja", STAFF, NOW, allowed=("admin", "operator", "staff"))
    assert business.code == "M-1"


@pytest.mark.parametrize("changes, field", [
    ({"email": "no-at-sign"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"email": "a b@c.jp"}, "email"),
    ({"email": "a@c.jp\n"}, "email"),
    ({"email": "a" * 250 + "@c.jp"}, "email"),
    ({"email": 5}, "email"),
    ({"lang": "fr"}, "lang"),
    ({"role": "operator"}, "role"),
    ({"role": "system"}, "role"),
    ({"programmes": []}, "programme"),
    ({"programmes": ["a/b"]}, "programme"),
    ({"business": "M-1"}, "business"),
    ({"role": "insured", "programmes": []}, "business"),
    ({"role": "insured", "business": "M-1"}, "programme"),
    ({"role": "admin", "programmes": []}, None),
    ({"name": "x\x00"}, "name"),
])
def test_a_user_with_a_bad_field_is_refused_naming_the_field(changes, field):
    if field is None:
        assert staff_user(**changes).role == "admin"
        return
    with pytest.raises(DomainError) as refused:
        staff_user(**changes)
    assert refused.value.field == field


@pytest.mark.parametrize("code", ["", "a/b", " a", "a\tb", "x" * 101, None, "a\u200bb"])
def test_a_code_must_be_short_printable_and_without_a_slash(code):
    with pytest.raises(DomainError) as refused:
        check_code(code)
    assert refused.value.field == "code"


def test_codes_and_emails_of_ordinary_shape_pass():
    assert check_code("SHOKOKAI-2005") == "SHOKOKAI-2005"
    assert check_code("商工会 0001") == "商工会 0001"
    assert check_email("First.Last+tag@mail.example.co.jp") == "first.last+tag@mail.example.co.jp"


def test_a_password_or_token_is_refused_unless_it_is_a_hash():
    user = staff_user()
    with pytest.raises(DomainError) as refused:
        user.set_password("correct horse battery", ADMIN, NOW)
    assert refused.value.field == "password"
    with pytest.raises(DomainError):
        user.create_token("abcdef12", "ci", "plain-secret", ADMIN, NOW)
    assert len(user.pending_events) == 1  # only the creation


def test_every_event_names_who_did_it_and_when():
    user = staff_user(actor=OPERATOR)
    user.set_password(HASH, ADMIN, NOW)
    user.create_token("abcdef12", "ci", HASH, ADMIN, NOW)
    user.revoke_token("abcdef12", ADMIN, NOW)
    user.update("Sato Taro", "en", ADMIN, NOW)
    user.deactivate(ADMIN, NOW)
    events = user.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Created", "PasswordSet", "TokenCreated", "TokenRevoked", "Updated", "Deactivated"]
    assert [(e.by, e.role) for e in events] == [("console", "operator")] + [(ADMIN.user, "admin")] * 5
    assert all(e.timestamp == NOW for e in events)


def test_a_revoked_token_has_no_hash_to_check():
    user = staff_user()
    user.create_token("abcdef12", "ci", HASH, ADMIN, NOW)
    assert user.token_hash("abcdef12") == HASH
    user.revoke_token("abcdef12", ADMIN, NOW)
    assert user.token_hash("abcdef12") is None
    with pytest.raises(DomainError) as refused:
        user.revoke_token("abcdef12", ADMIN, NOW)
    assert refused.value.field == "token"


def test_a_token_id_is_used_once_per_user():
    user = staff_user()
    user.create_token("abcdef12", "ci", HASH, ADMIN, NOW)
    with pytest.raises(DomainError) as refused:
        user.create_token("abcdef12", "again", HASH, ADMIN, NOW)
    assert refused.value.field == "token"


def test_a_deactivated_user_stays_and_cannot_be_changed_any_more():
    user = staff_user()
    user.deactivate(ADMIN, NOW)
    assert not user.active and user.email == "sato@insurer.example.jp"
    for change in (lambda: user.deactivate(ADMIN, NOW), lambda: user.set_password(HASH, ADMIN, NOW),
                   lambda: user.create_token("abcdef12", "ci", HASH, ADMIN, NOW),
                   lambda: user.assign_programme("P2", ADMIN, NOW)):
        with pytest.raises(DomainError) as refused:
            change()
        assert refused.value.field == "email"


def test_only_staff_are_assigned_programmes_and_each_once():
    user = staff_user()
    user.assign_programme("P2", ADMIN, NOW)
    assert user.programmes == ["SHOKOKAI-2005", "P2"]
    with pytest.raises(DomainError):
        user.assign_programme("P2", ADMIN, NOW)
    admin = staff_user(role="admin", programmes=[])
    with pytest.raises(DomainError) as refused:
        admin.assign_programme("P2", ADMIN, NOW)
    assert refused.value.field == "programme"


def test_a_programme_lists_its_active_staff_and_a_business_its_active_users():
    programme = Programme.create("P", "Programme", "Insurer", OPERATOR, NOW)
    programme.assign_staff("sato@insurer.example.jp", OPERATOR, NOW)
    business = Business.create("M-1", "Shop", "retail", 300_000_000, ["Info@Shop.example.jp"], "en", OPERATOR, NOW)
    business.add_user("alice@shop.example.jp", OPERATOR, NOW)
    assert programme.staff == ["sato@insurer.example.jp"]
    assert (business.contacts, business.users) == (["info@shop.example.jp"], ["alice@shop.example.jp"])

    programme.drop_staff("sato@insurer.example.jp", ADMIN, NOW)
    business.drop_user("alice@shop.example.jp", ADMIN, NOW)
    assert programme.staff == [] and business.users == []
    assert type(business.pending_events[-1]).__name__ == "UserDeactivated"


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"),
    ({"annual_revenue_yen": -1}, "annual_revenue_yen"),
    ({"annual_revenue_yen": True}, "annual_revenue_yen"),
    ({"contacts": ["not-an-address"]}, "contacts[0]"),
    ({"contacts": "a@b.jp"}, "contacts"),
    ({"lang": "de"}, "lang"),
])
def test_a_business_with_a_bad_field_is_refused_naming_the_field(changes, field):
    args = {"code": "M-1", "name": "Shop", "industry": "", "annual_revenue_yen": 0, "contacts": [],
            "lang": "ja", "actor": OPERATOR, "timestamp": NOW}
    with pytest.raises(DomainError) as refused:
        Business.create(**{**args, **changes})
    assert refused.value.field == field
