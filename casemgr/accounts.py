"""Accounts (DOMAIN §9): programmes, businesses and users, logging in by password or API token.

``Accounts(app)`` works on the application's own store (``app.save``,
``app.repository``), so account events are encrypted with the incidents' when a
cipher key is set. Commands take primitives and the acting ``Actor``; queries
return frozen data, never aggregates.

Passwords and tokens are kept only as scrypt hashes (n=2**14, r=8, p=1, 16-byte
salt) written ``scrypt$n$r$p$salt_b64$hash_b64``. A token reads
``cm_<user-id-hex>_<token-id>_<secret>``: it names its user and token, and its
secret is checked against the token's hash. Authentication answers None for an
unknown user, a wrong secret and a deactivated user alike, after the same hashing
work (an unknown user is checked against a dummy hash).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from casemgr.errors import ConcurrentUpdate, DomainError, NotFound
from casemgr.texts import Text
from events.accounts import (
    FIRST_USE, MANAGERS, Business, Programme, User, business_id, check_code, check_email,
    check_manager, check_text, programme_id, user_id,
)
from events.premiums import TERM_FIELDS
from events.premiums import parse_terms as parse_programme_terms
from events.values import Actor, shown

MIN_PASSWORD, MAX_PASSWORD = 12, 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P, SALT_BYTES = 2**14, 8, 1, 16
TOKEN_PREFIX = "cm"
DEFAULT_PROGRAMME = "default"
PROGRAMME_FILE_FIELDS = ("code", "name", "insurer") + TERM_FIELDS  # DOMAIN §10
PAGE = 500
RETRIES = 10
A = TypeVar("A")
K = TypeVar("K", Programme, Business, User)  # the account aggregates, each listable
T = TypeVar("T")


@dataclass(frozen=True)
class ProgrammeView:
    code: str
    name: str
    insurer: str
    staff: tuple[str, ...]  # e-mails of the active staff assigned
    terms: dict[str, Any] | None = None  # DOMAIN §10: period, patterns, notice days, premium table


@dataclass(frozen=True)
class ProgrammeImport:
    programme: ProgrammeView
    created: bool
    changed: bool  # something was recorded (a new programme, a new name or insurer, new terms)


@dataclass(frozen=True)
class BusinessView:
    code: str
    name: str
    industry: str
    annual_revenue_yen: int
    contacts: tuple[str, ...]
    lang: str
    users: tuple[str, ...]  # e-mails of its active insured users


@dataclass(frozen=True)
class TokenView:
    id: str
    label: str
    created: dt.datetime
    revoked: bool


@dataclass(frozen=True)
class UserView:
    email: str
    name: str
    lang: str
    role: str
    business: str | None
    programmes: tuple[str, ...]
    active: bool
    created: dt.datetime
    tokens: tuple[TokenView, ...]


# -- hashing ---------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """A slow salted hash of a password or token secret: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = _scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


# Checked for an unknown user or token, so that it takes as long as a known one.
# The hash of a random secret nobody kept.
DUMMY_HASH = "scrypt$16384$8$1$QRUJLttZSfygR2BCJMMf1w==$qFfab45BtJlDQVq0Sm5tVm6ZavTpDAUk4/bU1uEL+yQ="


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                          maxmem=64 * 1024 * 1024, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise DomainError(Text("must be at least {min_password} characters long",
                               min_password=MIN_PASSWORD), "password")
    if len(password) > MAX_PASSWORD:
        raise DomainError(Text("must be at most {max_password} characters long", max_password=MAX_PASSWORD), "password")
    return password


# -- the service --------------------------------------------------------------------------


class Accounts:
    """Programmes, businesses and users on the store of one application."""

    def __init__(self, app: Application):
        self.app = app

    def _now(self) -> dt.datetime:
        clock = getattr(self.app, "clock", None)
        return clock.now() if clock is not None else dt.datetime.now(dt.timezone.utc)

    # -- programmes ----------------------------------------------------------------

    def add_programme(self, code: str, name: str, actor: Actor, insurer: str = "") -> ProgrammeView:
        programme = Programme.create(code, name, insurer, actor, self._now())
        self._save_new(programme, field="code", message=Text("programme {code} exists already", code=code))
        return _programme_view(programme)

    def ensure_programme(self, code: str, actor: Actor, name: str | None = None) -> ProgrammeView:
        """The programme of that code, created on first use (named after its code)."""
        check_code(code, "programme")
        existing = self._get(programme_id(code), Programme)
        if existing is not None:
            return _programme_view(existing)
        programme = Programme.create(code, name or code, "", actor, self._now(), allowed=FIRST_USE)
        try:
            self.app.save(programme)
        except IntegrityError:  # created meanwhile by someone else: theirs stands
            return _programme_view(self._programme(code))
        return _programme_view(programme)

    def update_programme(self, code: str, actor: Actor, name: str | None = None,
                         insurer: str | None = None) -> ProgrammeView:
        def attempt() -> ProgrammeView:
            programme = self._programme(code)
            programme.update(programme.name if name is None else name,
                             programme.insurer if insurer is None else insurer, actor, self._now())
            self.app.save(programme)
            return _programme_view(programme)

        check_manager(actor)
        return self._retrying(attempt)

    def import_programme(self, payload: Any, actor: Actor) -> ProgrammeImport:
        """Create or update a programme from a programme file (DOMAIN §10): every field checked
        before anything is stored; what is unchanged records nothing (importing a file twice is
        harmless); new terms are one ``TermsSet`` event carrying the whole new table."""
        check_manager(actor)
        if not isinstance(payload, dict):
            raise DomainError(Text("a programme file is a JSON object"), None)
        unknown = [k for k in payload if k not in PROGRAMME_FILE_FIELDS]
        if unknown:
            key = unknown[0]
            raise DomainError(Text("is not a field of a programme file ({fields})",
                                   fields=', '.join(PROGRAMME_FILE_FIELDS)),
                              key if key.isidentifier() and len(key) <= 40 else shown(key, 40))
        if "code" not in payload:
            raise DomainError(Text("is required"), "code")
        code = check_code(payload["code"])
        name = check_text(payload.get("name"), "name", required=True)
        insurer = check_text(payload.get("insurer", ""), "insurer")
        terms = parse_programme_terms(payload)

        def attempt() -> ProgrammeImport:
            now = self._now()
            existing = self._get(programme_id(code), Programme)
            if existing is None:
                programme = Programme.create(code, name, insurer, actor, now)
                programme.set_terms(terms, actor, now)
                self.app.save(programme)
                return ProgrammeImport(_programme_view(programme), True, True)
            changed = False
            if (existing.name, existing.insurer) != (name, insurer):
                existing.update(name, insurer, actor, now)
                changed = True
            changed = existing.set_terms(terms, actor, now) or changed
            if changed:
                self.app.save(existing)
            return ProgrammeImport(_programme_view(existing), False, changed)

        return self._retrying(attempt)

    def programme_terms(self, code: str) -> dict[str, Any] | None:
        """The programme's terms now (no access check: the core's own reads); None without."""
        found = self._get(programme_id(code), Programme) if isinstance(code, str) else None
        return found.terms if found is not None else None

    def reminder_offsets(self) -> dict[str, tuple[int, ...]]:
        """The programmes that set their own reminder offsets (DOMAIN §9), by code; the others
        use the installation's ``CASEMGR_REMINDER_OFFSETS`` (decision P14)."""
        return {p.code: tuple(p.terms["reminder_offsets"]) for p in self._all(Programme)
                if p.terms and p.terms.get("reminder_offsets")}

    def programme_terms_as_of(self, code: str, when: dt.datetime) -> dict[str, Any] | None:
        """The programme's terms as they stood at ``when`` (the table in force when a policy was
        issued); None when it had none then."""
        terms = None
        for event in self.app.events.get(programme_id(code)):  # type: ignore[attr-defined]
            if event.timestamp > when:
                break
            if isinstance(event, Programme.TermsSet):
                terms = event.terms
        return terms

    def list_programmes(self, actor: Actor) -> list[ProgrammeView]:
        """Every programme, in the order they were created (those an import created on first
        use too); for an admin or operator only."""
        check_manager(actor)
        return [_programme_view(p) for p in self._all(Programme)]

    def programme(self, code: str, actor: Actor) -> ProgrammeView:
        """A programme, for an admin or operator or its own staff; anyone else: NotFound."""
        programme = self._programme(code)
        if actor.role not in MANAGERS and not (actor.role == "staff" and code in actor.programmes):
            raise NotFound(Text("no programme {code}", code=code), "programme")
        return _programme_view(programme)

    # -- businesses ----------------------------------------------------------------

    def add_business(self, code: str, name: str, actor: Actor, industry: str = "", annual_revenue_yen: int = 0,
                     contacts: Sequence[str] = (), lang: str = "ja") -> BusinessView:
        business = Business.create(code, name, industry, annual_revenue_yen, list(contacts), lang, actor,
                                   self._now())
        self._save_new(business, field="code", message=Text("business {code} exists already", code=code))
        return _business_view(business)

    def ensure_business(self, code: str, name: str, industry: str, annual_revenue_yen: int,
                        actor: Actor) -> BusinessView:
        """The business of that member code, created on first use (by an import).
        An existing business is returned as it is: its name is not overwritten."""
        check_code(code, "business")
        existing = self._get(business_id(code), Business)
        if existing is not None:
            return _business_view(existing)
        business = Business.create(code, name, industry, annual_revenue_yen, [], "ja", actor, self._now(),
                                   allowed=FIRST_USE)
        try:
            self.app.save(business)
        except IntegrityError:  # created meanwhile by someone else: theirs stands
            return _business_view(self._business(code))
        return _business_view(business)

    def update_business(self, code: str, actor: Actor, name: str | None = None, industry: str | None = None,
                        annual_revenue_yen: int | None = None, contacts: Sequence[str] | None = None,
                        lang: str | None = None) -> BusinessView:
        """Change the fields given (None leaves one as it is)."""
        def attempt() -> BusinessView:
            b = self._business(code)
            b.update(
                b.name if name is None else name, b.industry if industry is None else industry,
                b.annual_revenue_yen if annual_revenue_yen is None else annual_revenue_yen,
                b.contacts if contacts is None else list(contacts), b.lang if lang is None else lang,
                actor, self._now(),
            )
            self.app.save(b)
            return _business_view(b)

        check_manager(actor)
        return self._retrying(attempt)

    def list_businesses(self, actor: Actor) -> list[BusinessView]:
        """Every business, in the order they were created (those an import created on first
        use too); for an admin or operator only."""
        check_manager(actor)
        return [_business_view(b) for b in self._all(Business)]

    def business(self, code: str, actor: Actor) -> BusinessView:
        """A business, for an admin or operator or its own insured users; anyone else: NotFound."""
        business = self._business(code)
        if actor.role not in MANAGERS and not (actor.role == "insured" and actor.business == code):
            raise NotFound(Text("no business {code}", code=code), "business")
        return _business_view(business)

    # -- users -----------------------------------------------------------------------

    def add_user(self, email: str, role: str, name: str, lang: str, password: str, actor: Actor,
                 business: str | None = None, programmes: Sequence[str] = ()) -> UserView:
        """A new user with a password. An insured user's business and a staff
        user's programmes must exist; the business or programmes list the user."""
        if isinstance(programmes, str):
            programmes = [programmes]
        User.create(email, role, name, lang, business, list(programmes), actor, self._now())  # the guards first
        password_hash = hash_secret(check_password(password))

        def attempt() -> UserView:
            now = self._now()
            user = User.create(email, role, name, lang, business, list(programmes), actor, now)
            if self._get(user.id, User) is not None:
                raise DomainError(Text("a user {email} exists already (deactivated users stay)",
                                       email=user.email), "email")
            holders: list[Any] = []
            if user.business is not None:
                holders.append(self._business(user.business))
                holders[-1].add_user(user.email, actor, now)
            for code in user.programmes:
                holders.append(self._programme(code))
                holders[-1].assign_staff(user.email, actor, now)
            user.set_password(password_hash, actor, now)
            self.app.save(*holders, user)
            return _user_view(user)

        return self._retrying(attempt)

    def update_user(self, email: str, actor: Actor, name: str | None = None, lang: str | None = None) -> UserView:
        def attempt() -> UserView:
            user = self._user(email)
            user.update(user.name if name is None else name, user.lang if lang is None else lang, actor,
                        self._now())
            self.app.save(user)
            return _user_view(user)

        return self._retrying(attempt)

    def assign_programme(self, email: str, code: str, actor: Actor) -> UserView:
        """Assign a staff user to one more (existing) programme."""
        def attempt() -> UserView:
            now = self._now()
            user = self._user(email)
            user.assign_programme(code, actor, now)
            programme = self._programme(code)
            programme.assign_staff(user.email, actor, now)
            self.app.save(programme, user)
            return _user_view(user)

        return self._retrying(attempt)

    def deactivate_user(self, email: str, actor: Actor) -> UserView:
        """The user can no longer log in or use its tokens; its history stays.
        Its business and programmes no longer list it (no reminders)."""
        def attempt() -> UserView:
            now = self._now()
            user = self._user(email)
            user.deactivate(actor, now)
            holders: list[Any] = []
            if user.business is not None:
                holders.append(self._business(user.business))
                holders[-1].drop_user(user.email, actor, now)
            for code in user.programmes:
                holders.append(self._programme(code))
                holders[-1].drop_staff(user.email, actor, now)
            self.app.save(*holders, user)
            return _user_view(user)

        return self._retrying(attempt)

    def set_password(self, email: str, password: str, actor: Actor) -> None:
        password_hash = hash_secret(check_password(password))

        def attempt() -> None:
            user = self._user(email)
            user.set_password(password_hash, actor, self._now())
            self.app.save(user)

        self._retrying(attempt)

    def create_token(self, email: str, label: str, actor: Actor) -> str:
        """A new API token for the user: returned once, stored only as a hash."""
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        token_hash = hash_secret(secret)

        def attempt() -> str:
            user = self._user(email)
            user.create_token(token_id, label, token_hash, actor, self._now())
            self.app.save(user)
            return f"{TOKEN_PREFIX}_{user.id.hex}_{token_id}_{secret}"

        return self._retrying(attempt)

    def revoke_token(self, email: str, token_id: str, actor: Actor) -> None:
        def attempt() -> None:
            user = self._user(email)
            user.revoke_token(token_id, actor, self._now())
            self.app.save(user)

        self._retrying(attempt)

    def user(self, email: str, actor: Actor) -> UserView:
        """A user, for an admin or operator or the user itself; anyone else: NotFound."""
        user = self._user(email)
        if actor.role not in MANAGERS and actor.user != user.email:
            raise NotFound(Text("no user {email}", email=email), "email")
        return _user_view(user)

    def list_users(self, actor: Actor) -> list[UserView]:
        """Every user, deactivated ones included, in the order they were added."""
        check_manager(actor)
        return [_user_view(u) for u in self._all(User)]

    # -- logging in ---------------------------------------------------------------------

    def authenticate_password(self, email: str, password: str) -> Actor | None:
        """The user's Actor when the password is right and the user active; else None."""
        user = None
        if isinstance(email, str) and isinstance(password, str) and len(password) <= MAX_PASSWORD:
            try:
                user = self._get(user_id(check_email(email)), User)
            except DomainError:
                user = None
        else:
            password = ""
        stored = user.password_hash if user is not None and user.password_hash else DUMMY_HASH
        ok = verify_secret(password, stored)
        return user.actor() if ok and user is not None and user.active else None

    def authenticate_token(self, token: str) -> Actor | None:
        """The Actor of a token's user when the token is live and the user active; else None."""
        user, token_hash, secret = None, None, ""
        parts = token.split("_", 3) if isinstance(token, str) and len(token) <= 200 else []
        if len(parts) == 4 and parts[0] == TOKEN_PREFIX:
            secret = parts[3]
            try:
                user = self._get(uuid.UUID(hex=parts[1]), User)
            except ValueError:
                user = None
            token_hash = user.token_hash(parts[2]) if user is not None else None
        ok = verify_secret(secret, token_hash or DUMMY_HASH)
        return user.actor() if ok and token_hash and user is not None and user.active else None

    # -- reminders ---------------------------------------------------------------------

    def recipients(self, business_code: str | None, programme_code: str | None) -> list[tuple[str, str]]:
        """Who is told about an incident of that business and programme (DOMAIN §4.2):
        the business's contacts (in its language) and active insured users, and the
        active staff of the programme, each (e-mail, language), once each."""
        return self.recipients_of([(business_code, programme_code)])[(business_code, programme_code)]

    def recipients_of(self, pairs: Iterable[tuple[str | None, str | None]]) -> dict[tuple, list[tuple[str, str]]]:
        """``recipients`` for many (business, programme) pairs, each business, programme and
        user read from the store once (a sweep's listing names thousands of pairs, few programmes)."""
        businesses: dict[str, Business | None] = {}
        programmes: dict[str, Programme | None] = {}
        users: dict[str, User | None] = {}
        out: dict[tuple, list[tuple[str, str]]] = {}
        for business_code, programme_code in pairs:
            if (business_code, programme_code) in out:
                continue
            found: dict[str, str] = {}
            emails: list[str] = []
            if business_code:
                if business_code not in businesses:
                    businesses[business_code] = self._get(business_id(business_code), Business, copy=False)
                business = businesses[business_code]
                if business is not None:
                    for contact in business.contacts:
                        found.setdefault(contact, business.lang)
                    emails += business.users
            if programme_code:
                if programme_code not in programmes:
                    programmes[programme_code] = self._get(programme_id(programme_code), Programme, copy=False)
                programme = programmes[programme_code]
                if programme is not None:
                    emails += programme.staff
            for email in emails:
                if email not in users:
                    users[email] = self._get(user_id(email), User, copy=False)
                user = users[email]
                if user is not None and user.active:
                    found.setdefault(user.email, user.lang)
            out[(business_code, programme_code)] = list(found.items())
        return out

    # -- internals ----------------------------------------------------------------------

    def _get(self, aggregate_id: uuid.UUID, kind: type[A], copy: bool = True) -> A | None:
        """The aggregate, or None; ``copy=False`` for a read that changes nothing: the cached
        aggregate itself, not a deep copy of it (a third of a lookup's time)."""
        try:
            aggregate = self.app.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    def _programme(self, code: str) -> Programme:
        found = self._get(programme_id(code), Programme) if isinstance(code, str) else None
        if found is None:
            raise NotFound(Text("no programme {code}", code=repr(code)), "programme")
        return found

    def _business(self, code: str) -> Business:
        found = self._get(business_id(code), Business) if isinstance(code, str) else None
        if found is None:
            raise NotFound(Text("no business {code}", code=repr(code)), "business")
        return found

    def _user(self, email: str) -> User:
        found = self._get(user_id(check_email(email)), User)
        if found is None:
            raise NotFound(Text("no user {email}", email=email), "email")
        return found

    def _all(self, kind: type[K]) -> Iterator[K]:
        """Every aggregate of that kind, in the order they were created: the notification
        log read a page at a time, filtered by the topic of the kind's ``Created`` event."""
        topic = get_topic(kind.Created)
        start = 1
        while True:
            page = self.app.recorder.select_notifications(start, PAGE, topics=[topic])
            for notification in page:
                found = self._get(notification.originator_id, kind)
                if found is not None:
                    yield found
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def _save_new(self, *aggregates: Any, field: str, message: Text) -> None:
        try:
            self.app.save(*aggregates)
        except IntegrityError:
            raise DomainError(Text("{message} (or was changed meanwhile); nothing was stored",
                                   message=message), field) from None

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` again while a conflicting write makes it fail."""
        for n in range(RETRIES):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005 * 2**n))
        raise ConcurrentUpdate(Text("the accounts kept changing under {retries} attempts; nothing was stored",
                                    retries=RETRIES), None)


def _programme_view(p: Programme) -> ProgrammeView:
    return ProgrammeView(p.code, p.name, p.insurer, tuple(p.staff), p.terms)


def _business_view(b: Business) -> BusinessView:
    return BusinessView(b.code, b.name, b.industry, b.annual_revenue_yen, tuple(b.contacts), b.lang, tuple(b.users))


def _user_view(u: User) -> UserView:
    return UserView(
        u.email, u.name, u.lang, u.role, u.business, tuple(u.programmes), u.active, u.created_on,
        tuple(TokenView(i, t[0], dt.datetime.fromisoformat(t[2]), t[3]) for i, t in u.tokens.items()),
    )
