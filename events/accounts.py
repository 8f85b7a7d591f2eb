"""Programmes, businesses and users (DOMAIN §9): who may log in and what they see.

Each is an aggregate whose id derives from its natural key (``programme_id``,
``business_id``, ``user_id``), so a lookup needs no index. Every event carries
the acting user (``by``, ``role``) and the library's timestamp: the stream is the
audit log (who, what, when). Users are deactivated, never deleted.

The aggregates keep hashes only: hashing (slow, salted) is done by the service
in casemgr.accounts, and a guard refuses anything that is not a hash. The
Programme keeps the e-mails of its active staff and the Business those of its
active insured users, so the recipients of a reminder are found without a table.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from eventsourcing.domain import Aggregate

from events.errors import DomainError, NotPermitted
from events.premiums import parse_terms as parse_programme_terms
from events.texts import Text
from events.values import Actor

NAMESPACE = uuid.UUID("0f6b2c1e-3d4a-5b6c-8d7e-9fa0b1c2d3e4")
LANGUAGES = ("ja", "en")
USER_ROLES = ("insured", "staff", "admin")
MANAGERS = ("admin", "operator")  # who may manage programmes, businesses and users
FIRST_USE = ("admin", "operator", "staff")  # who may create a programme or business an import names
MAX_CODE, MAX_NAME, MAX_EMAIL, MAX_CONTACTS = 100, 200, 254, 20
HASH_PREFIX = "scrypt$"
TOKEN_ID = re.compile(r"[0-9a-f]{8,32}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def programme_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"programme:{code}")


def business_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"business:{code}")


def user_id(email: str) -> uuid.UUID:
    """A user's id derives from the e-mail, lower-cased: one user per address."""
    return uuid.uuid5(NAMESPACE, f"user:{email.lower()}")


# -- validation of the fields (each error names its field) ----------------------


def check_code(value: Any, field: str = "code") -> str:
    """A programme code or member number: printable, no '/', 1 to 100 characters."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_CODE:
        raise DomainError(Text("must be a string of 1 to {max_code} characters", max_code=MAX_CODE), field)
    if not value.isprintable() or value != value.strip():
        raise DomainError(Text("must be printable, without control characters or surrounding spaces"), field)
    if "/" in value:
        raise DomainError(Text("{value} contains '/'", value=repr(value)), field)
    return value


def check_email(value: Any, field: str = "email") -> str:
    """A plain address (local@domain.tld), lower-cased: it is the user's identity."""
    if not isinstance(value, str) or not 3 <= len(value) <= MAX_EMAIL:
        raise DomainError(Text("must be an e-mail address of at most {max_email} characters",
                               max_email=MAX_EMAIL), field)
    if not value.isprintable() or not _EMAIL.fullmatch(value):
        raise DomainError(Text("{value} is not an e-mail address (local@domain.tld)", value=repr(value)), field)
    return value.lower()


def check_lang(value: Any, field: str = "lang") -> str:
    if value not in LANGUAGES:
        raise DomainError(Text("must be one of {languages} (got {value})",
                               languages=', '.join(LANGUAGES), value=repr(value)), field)
    return value


def check_text(value: Any, field: str, required: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME or (required and not value.strip()):
        need = "1" if required else "0"
        raise DomainError(Text("must be a string of {need} to {max_name} characters",
                               need=need, max_name=MAX_NAME), field)
    if not value.isprintable():
        raise DomainError(Text("must not contain control characters"), field)
    return value


def check_revenue(value: Any, field: str = "annual_revenue_yen") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**15:
        raise DomainError(Text("must be a whole number of yen, 0 or more"), field)
    return value


def check_contacts(value: Any, field: str = "contacts") -> list[str]:
    if not isinstance(value, (list, tuple)) or len(value) > MAX_CONTACTS:
        raise DomainError(Text("must be a list of at most {max_contacts} e-mail addresses",
                               max_contacts=MAX_CONTACTS), field)
    emails = [check_email(v, f"{field}[{n}]") for n, v in enumerate(value)]
    return list(dict.fromkeys(emails))


def check_manager(actor: Actor, allowed: tuple[str, ...] = MANAGERS) -> None:
    if actor.role not in allowed:
        raise NotPermitted(Text("accounts are managed by {allowed}, not by {role}",
                                allowed=' or '.join(allowed), role=actor.role), "role")


def check_hash(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.startswith(HASH_PREFIX) or value.count("$") != 5:
        raise DomainError(Text("must be a scrypt hash, never the secret itself"), field)
    return value


class Changed(Aggregate.Event):
    """Base of every account event after creation: who did it."""

    by: str
    role: str


class Programme(Aggregate):
    """A group contract (団体契約) and the staff assigned to it."""

    class Created(Aggregate.Created):
        code: str
        name: str
        insurer: str
        by: str
        role: str

    class Updated(Changed):
        name: str
        insurer: str

        def apply(self, aggregate: "Programme") -> None:
            aggregate.name, aggregate.insurer = self.name, self.insurer

    class TermsSet(Changed):
        """The programme's terms (DOMAIN §10) as a programme file gave them: period, patterns,
        insurer-notice days and the whole premium table. A change is a new event carrying the
        whole new terms, so the stream says which table was in force when."""

        terms: dict[str, Any]

        def apply(self, aggregate: "Programme") -> None:
            aggregate.terms = dict(self.terms)

    class StaffAssigned(Changed):
        email: str

        def apply(self, aggregate: "Programme") -> None:
            aggregate.staff.append(self.email)

    class StaffDeactivated(Changed):
        email: str

        def apply(self, aggregate: "Programme") -> None:
            aggregate.staff.remove(self.email)

    def __init__(self, code: str, name: str, insurer: str):
        self.code, self.name, self.insurer = code, name, insurer
        self.staff: list[str] = []  # e-mails of the active staff assigned
        self.terms: dict[str, Any] | None = None  # DOMAIN §10, once a programme file set them

    @classmethod
    def create(cls, code: str, name: str, insurer: str, actor: Actor, timestamp: dt.datetime,
               allowed: tuple[str, ...] = MANAGERS) -> "Programme":
        check_manager(actor, allowed)
        code = check_code(code)
        return cls._create(
            cls.Created, id=programme_id(code), code=code, name=check_text(name, "name", required=True),
            insurer=check_text(insurer, "insurer"), by=actor.user, role=actor.role, timestamp=timestamp,
        )

    def update(self, name: str, insurer: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        self.trigger_event(self.Updated, name=check_text(name, "name", required=True),
                           insurer=check_text(insurer, "insurer"), by=actor.user, role=actor.role,
                           timestamp=timestamp)

    def set_terms(self, terms: dict[str, Any], actor: Actor, timestamp: dt.datetime) -> bool:
        """Set the programme's terms (validated here); whether anything changed (the same
        terms again record nothing)."""
        check_manager(actor)
        terms = parse_programme_terms(terms)
        if terms == self.terms:
            return False
        self.trigger_event(self.TermsSet, terms=terms, by=actor.user, role=actor.role, timestamp=timestamp)
        return True

    def assign_staff(self, email: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        if email in self.staff:
            raise DomainError(Text("{email} is already assigned to programme {code}",
                                   email=email, code=self.code), "programme")
        self.trigger_event(self.StaffAssigned, email=email, by=actor.user, role=actor.role, timestamp=timestamp)

    def drop_staff(self, email: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        if email in self.staff:
            self.trigger_event(self.StaffDeactivated, email=email, by=actor.user, role=actor.role,
                               timestamp=timestamp)


class Business(Aggregate):
    """A member business (会員事業者): its contacts and its insured users."""

    class Created(Aggregate.Created):
        code: str
        name: str
        industry: str
        annual_revenue_yen: int
        contacts: list[str]
        lang: str
        by: str
        role: str

    class Updated(Changed):
        name: str
        industry: str
        annual_revenue_yen: int
        contacts: list[str]
        lang: str

        def apply(self, aggregate: "Business") -> None:
            aggregate.name, aggregate.industry = self.name, self.industry
            aggregate.annual_revenue_yen, aggregate.lang = self.annual_revenue_yen, self.lang
            aggregate.contacts = list(self.contacts)

    class UserAdded(Changed):
        email: str

        def apply(self, aggregate: "Business") -> None:
            aggregate.users.append(self.email)

    class UserDeactivated(Changed):
        email: str

        def apply(self, aggregate: "Business") -> None:
            aggregate.users.remove(self.email)

    def __init__(self, code: str, name: str, industry: str, annual_revenue_yen: int,
                 contacts: list[str], lang: str):
        self.code, self.name, self.industry = code, name, industry
        self.annual_revenue_yen, self.lang = annual_revenue_yen, lang
        self.contacts = list(contacts)
        self.users: list[str] = []  # e-mails of its active insured users

    @classmethod
    def create(cls, code: str, name: str, industry: str, annual_revenue_yen: int, contacts: list[str],
               lang: str, actor: Actor, timestamp: dt.datetime,
               allowed: tuple[str, ...] = MANAGERS) -> "Business":
        check_manager(actor, allowed)
        code = check_code(code)
        return cls._create(
            cls.Created, id=business_id(code), code=code, timestamp=timestamp, by=actor.user, role=actor.role,
            **_business_fields(name, industry, annual_revenue_yen, contacts, lang),
        )

    def update(self, name: str, industry: str, annual_revenue_yen: int, contacts: list[str], lang: str,
               actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        self.trigger_event(self.Updated, by=actor.user, role=actor.role, timestamp=timestamp,
                           **_business_fields(name, industry, annual_revenue_yen, contacts, lang))

    def add_user(self, email: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        if email in self.users:
            raise DomainError(Text("{email} is already a user of business {code}",
                                   email=email, code=self.code), "business")
        self.trigger_event(self.UserAdded, email=email, by=actor.user, role=actor.role, timestamp=timestamp)

    def drop_user(self, email: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        if email in self.users:
            self.trigger_event(self.UserDeactivated, email=email, by=actor.user, role=actor.role,
                               timestamp=timestamp)


def _business_fields(name: Any, industry: Any, revenue: Any, contacts: Any, lang: Any) -> dict[str, Any]:
    return {
        "name": check_text(name, "name", required=True), "industry": check_text(industry, "industry"),
        "annual_revenue_yen": check_revenue(revenue), "contacts": check_contacts(contacts),
        "lang": check_lang(lang),
    }


class User(Aggregate):
    """A person who logs in: an insured user of one business, staff of some
    programmes, or an admin. ``tokens[id]`` is ``[label, hash, created, revoked]``."""

    class Created(Aggregate.Created):
        email: str
        name: str
        lang: str
        user_role: str  # the user's role; ``role`` is the acting user's, as on every event
        business: str | None
        programmes: list[str]
        by: str
        role: str

    class Updated(Changed):
        name: str
        lang: str

        def apply(self, aggregate: "User") -> None:
            aggregate.name, aggregate.lang = self.name, self.lang

    class Deactivated(Changed):
        def apply(self, aggregate: "User") -> None:
            aggregate.active = False

    class PasswordSet(Changed):
        password_hash: str

        def apply(self, aggregate: "User") -> None:
            aggregate.password_hash = self.password_hash

    class TokenCreated(Changed):
        token_id: str
        label: str
        token_hash: str

        def apply(self, aggregate: "User") -> None:
            aggregate.tokens[self.token_id] = [self.label, self.token_hash, self.timestamp.isoformat(), False]

    class TokenRevoked(Changed):
        token_id: str

        def apply(self, aggregate: "User") -> None:
            aggregate.tokens[self.token_id][3] = True

    class ProgrammeAssigned(Changed):
        programme: str

        def apply(self, aggregate: "User") -> None:
            aggregate.programmes.append(self.programme)

    def __init__(self, email: str, name: str, lang: str, user_role: str, business: str | None,
                 programmes: list[str]):
        self.email, self.name, self.lang, self.role = email, name, lang, user_role
        self.business = business
        self.programmes = list(programmes)
        self.active = True
        self.password_hash: str | None = None
        self.tokens: dict[str, list[Any]] = {}

    @classmethod
    def create(cls, email: str, role: str, name: str, lang: str, business: str | None,
               programmes: list[str], actor: Actor, timestamp: dt.datetime) -> "User":
        """A new user. The caller checks that the business or programmes exist."""
        check_manager(actor)
        email = check_email(email)
        if role not in USER_ROLES:
            raise DomainError(Text("must be one of {user_roles} (got {role})",
                                   user_roles=', '.join(USER_ROLES), role=repr(role)), "role")
        programmes = list(dict.fromkeys(check_code(p, "programme") for p in programmes))
        if role == "insured":
            if business is None:
                raise DomainError(Text("an insured user belongs to one business: give its code"), "business")
            business = check_code(business, "business")
        elif business is not None:
            raise DomainError(Text("only an insured user belongs to a business, not {role}", role=role), "business")
        if role == "staff" and not programmes:
            raise DomainError(Text("a staff user is assigned to at least one programme"), "programme")
        if role != "staff" and programmes:
            raise DomainError(Text("only staff are assigned to programmes, not {role}", role=role), "programme")
        return cls._create(
            cls.Created, id=user_id(email), email=email, name=check_text(name, "name"), lang=check_lang(lang),
            user_role=role, business=business, programmes=programmes, by=actor.user, role=actor.role,
            timestamp=timestamp,
        )

    def _check_change(self, actor: Actor) -> None:
        check_manager(actor)
        if not self.active:
            raise DomainError(Text("{email} is deactivated", email=self.email), "email")

    def update(self, name: str, lang: str, actor: Actor, timestamp: dt.datetime) -> None:
        self._check_change(actor)
        self.trigger_event(self.Updated, name=check_text(name, "name"), lang=check_lang(lang),
                           by=actor.user, role=actor.role, timestamp=timestamp)

    def deactivate(self, actor: Actor, timestamp: dt.datetime) -> None:
        self._check_change(actor)
        self.trigger_event(self.Deactivated, by=actor.user, role=actor.role, timestamp=timestamp)

    def set_password(self, password_hash: str, actor: Actor, timestamp: dt.datetime) -> None:
        self._check_change(actor)
        self.trigger_event(self.PasswordSet, password_hash=check_hash(password_hash, "password"),
                           by=actor.user, role=actor.role, timestamp=timestamp)

    def create_token(self, token_id: str, label: str, token_hash: str, actor: Actor,
                     timestamp: dt.datetime) -> None:
        self._check_change(actor)
        if not isinstance(token_id, str) or not TOKEN_ID.fullmatch(token_id) or token_id in self.tokens:
            raise DomainError(Text("{token_id} is not a new token id", token_id=repr(token_id)), "token")
        self.trigger_event(self.TokenCreated, token_id=token_id, label=check_text(label, "label"),
                           token_hash=check_hash(token_hash, "token"), by=actor.user, role=actor.role,
                           timestamp=timestamp)

    def revoke_token(self, token_id: str, actor: Actor, timestamp: dt.datetime) -> None:
        check_manager(actor)
        if token_id not in self.tokens or self.tokens[token_id][3]:
            raise DomainError(Text("{email} has no live token {token_id}",
                                   email=self.email, token_id=repr(token_id)), "token")
        self.trigger_event(self.TokenRevoked, token_id=token_id, by=actor.user, role=actor.role,
                           timestamp=timestamp)

    def assign_programme(self, programme: str, actor: Actor, timestamp: dt.datetime) -> None:
        self._check_change(actor)
        if self.role != "staff":
            raise DomainError(Text("only staff are assigned to programmes, not {role}", role=self.role), "programme")
        programme = check_code(programme, "programme")
        if programme in self.programmes:
            raise DomainError(Text("{email} is already assigned to programme {programme}",
                                   email=self.email, programme=programme), "programme")
        self.trigger_event(self.ProgrammeAssigned, programme=programme, by=actor.user, role=actor.role,
                           timestamp=timestamp)

    def token_hash(self, token_id: str) -> str | None:
        """The hash of a live token, or None."""
        token = self.tokens.get(token_id)
        return token[1] if token and not token[3] else None

    def actor(self) -> Actor:
        """The Actor this user acts as (DOMAIN §9: what it may see)."""
        return Actor(
            self.role, self.email, business=self.business if self.role == "insured" else None,
            programmes=frozenset(self.programmes) if self.role == "staff" else frozenset(),
        )
