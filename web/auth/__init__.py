"""Logging in and out (Flask-Login over the core's accounts), and who is acting.

Every page but the login page and static files needs a logged-in user; the JSON API has
its own token authentication (``web.api``). A view gets the acting user with
``current_actor()`` and passes it to the core, which checks access."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from limits import RateLimitItemPerSecond, storage, strategies

from events.values import Actor
from web.extensions import login_manager
from web.htmx import render

bp = Blueprint("auth", __name__, template_folder="../templates")
OPEN_ENDPOINTS = {"auth.login", "static"}
# Failed logins allowed in THROTTLE_SECONDS: per e-mail address typed, and per client address
# (higher: behind a NAT or a proxy many people share one address; decision 60).
THROTTLE_FAILURES, ADDRESS_FAILURES, THROTTLE_SECONDS = 5, 50, 15 * 60


@dataclass(frozen=True)
class WebUser:
    """The logged-in user as Flask-Login sees it; ``actor`` is what the core is given."""

    actor: Actor
    name: str
    lang: str
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return self.actor.user


def current_actor() -> Actor:
    return current_user.actor


def _core():
    return current_app.extensions["casemgr"]


@login_manager.user_loader
def _load(email: str) -> WebUser | None:
    core = _core()
    try:
        user = core.accounts.user(email, Actor("system", email))  # a user may read itself
    except Exception:  # noqa: BLE001 — an unknown or malformed id in an old cookie: logged out
        return None
    if not user.active:
        return None
    actor = Actor(user.role, user.email, user.business, frozenset(user.programmes))
    return WebUser(actor, user.name or user.email, user.lang)


class Throttle:
    """At most THROTTLE_FAILURES failed logins per e-mail and ADDRESS_FAILURES per client
    address in THROTTLE_SECONDS (a moving window, the ``limits`` library). Behind several web workers the
    count is shared when the broker is Redis (``redis://``): every worker and machine counts
    together; otherwise (the single-machine default) each process counts its own (decision 60).
    When Redis cannot be reached logins are not throttled, and a warning is logged: a broken
    counter must not lock everybody out."""

    def __init__(self, uri: str = "memory://") -> None:
        # A Redis that does not answer must not hold a login for the TCP timeout: half a second.
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if uri.startswith("redis") else {}
        self.limiter = strategies.MovingWindowRateLimiter(storage.storage_from_string(uri, **options))
        self.rates = {"email": RateLimitItemPerSecond(THROTTLE_FAILURES, THROTTLE_SECONDS),
                      "addr": RateLimitItemPerSecond(ADDRESS_FAILURES, THROTTLE_SECONDS)}

    def blocked(self, email: str, address: str) -> bool:
        try:
            return any(not self.limiter.test(self.rates[kind], "casemgr-login", kind, key)
                       for kind, key in (("email", email), ("addr", address)))
        except Exception as exc:  # noqa: BLE001 — the counter's server is down: fail open, say so
            logging.getLogger(__name__).warning("login throttle unavailable: %s", exc)
            return False

    def failed(self, email: str, address: str) -> None:
        try:
            for kind, key in (("email", email), ("addr", address)):
                self.limiter.hit(self.rates[kind], "casemgr-login", kind, key)
        except Exception as exc:  # noqa: BLE001
            logging.getLogger(__name__).warning("login throttle unavailable: %s", exc)


def throttle_uri(broker_url: str) -> str:
    """Where failed logins are counted: the broker's Redis if there is one, else this process."""
    return broker_url if broker_url.startswith(("redis://", "rediss://")) else "memory://"


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error = None
    email = request.form.get("email", "").strip()
    if request.method == "POST":
        throttle: Throttle = current_app.extensions["casemgr.throttle"]
        keys = (email.lower(), request.remote_addr or "")  # the client's, behind CASEMGR_PROXY_HOPS proxies
        if throttle.blocked(*keys):
            error = _("Too many failed attempts. Wait a few minutes and try again.")
            return render("auth/login.html", error=error, email=email, status=429)
        actor = _core().accounts.authenticate_password(email, request.form.get("password", ""))
        if actor is None:
            throttle.failed(*keys)
            error = _("The e-mail address or the password is not right.")
            return render("auth/login.html", error=error, email=email, status=401)
        user = _load(actor.user)
        if user is None:
            return render("auth/login.html", error=_("This account cannot log in."), email=email, status=401)
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render("auth/login.html", error=error, email=email)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host): never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def init_app(app: Flask) -> None:
    app.extensions["casemgr.throttle"] = Throttle(throttle_uri(app.extensions["casemgr"].settings.broker_url))
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.register_blueprint(bp)

    @app.before_request
    def _require_login():  # type: ignore[no-untyped-def]
        if request.endpoint in OPEN_ENDPOINTS or (request.blueprint == "api"):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
