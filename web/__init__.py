"""The web app (Flask + HTMX) for insured businesses and insurer staff.

``create_app()`` builds one app per process on the core's composition root
(``casemgr.bootstrap``); each feature is a blueprint package. Pages work without
JavaScript; an htmx request to the same URL gets the fragment the page includes
(``web.htmx.render``). It calls only the core's public surface (``casemgr.service``,
``casemgr.accounts`` through ``core``), never an aggregate or the event store.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from casemgr.bootstrap import Core, bootstrap
from casemgr.clock import Clock
from casemgr.settings import Settings
from web import extensions

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def create_app(settings: Settings | None = None, clock: Clock | None = None,
               config: dict[str, Any] | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.secret_key or _instance_secret(Path(settings.instance)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session
        BABEL_DEFAULT_LOCALE="ja",
        BABEL_DEFAULT_TIMEZONE="Asia/Tokyo",
        MAX_CONTENT_LENGTH=50 * 1024 * 1024,
    )
    from web.i18n import compile_catalogs, translation_directories
    directories = translation_directories(Path(__file__).parent)
    compile_catalogs(directories)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    app.config.update(config or {})
    core = bootstrap(settings, clock)
    app.extensions["casemgr"] = core
    if settings.proxy_hops:  # the client's address (login throttling, logs) from the trusted proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)  # type: ignore[method-assign]

    extensions.htmx.init_app(app)
    extensions.csrf.init_app(app)
    extensions.login_manager.init_app(app)
    from web.i18n import select_locale
    extensions.babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Tokyo")

    from web import auth, errors, filters
    auth.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        from flask_babel import get_locale
        return {"nav_links": lambda: nav_links(app), "get_locale": get_locale}

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.vary.add("HX-Request")
        return response

    return app


NAV = {  # endpoint, label (translated in the template), roles that see it
    "incidents.index": ("My incidents", ("insured",)),
    "incidents.report": ("Report a leak", ("insured",)),
    "staff.dashboard": ("Deadlines", ("staff", "admin")),
    "staff.incidents": ("Incidents", ("staff", "admin")),
    "staff.policies": ("Policies", ("staff", "admin")),
    "notifications.index": ("Reminders", ("insured", "staff", "admin")),
    "staff.status": ("Workers", ("staff", "admin")),
    "admin.index": ("Accounts", ("admin",)),
    "admin.mail": ("Mail", ("admin",)),
    "admin.clock": ("Clock", ("admin",)),
}


def nav_links(app: Flask) -> list[tuple[str, str]]:
    from flask_babel import gettext
    from flask_login import current_user

    role = current_user.actor.role
    return [(endpoint, gettext(label)) for endpoint, (label, roles) in NAV.items()
            if role in roles and endpoint in app.view_functions]


def core_of(app: Flask) -> Core:
    return app.extensions["casemgr"]


def _blueprints() -> list[Any]:
    from web.home import bp as home
    found = [home]
    for name in ("incidents", "notifications", "staff", "admin", "api", "diagnosis"):  # feature packages, each with its ``bp``
        try:
            module = __import__(f"web.{name}", fromlist=["bp"])
        except ModuleNotFoundError as exc:
            if exc.name != f"web.{name}":
                raise
            continue
        if getattr(module, "bp", None) is not None:
            found.append(module.bp)
    return found


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, made once, so that sessions survive a restart
    and are shared by the server's worker processes (set CASEMGR_SECRET_KEY in production)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
