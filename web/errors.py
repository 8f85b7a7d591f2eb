"""Errors as pages (or fragments): never a stack trace to the user."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from casemgr.errors import DomainError, NotFound, NotPermitted
from web.filters import refusal
from web.htmx import render


def init_app(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):  # type: ignore[no-untyped-def]
        return render("error.html", "error_fragment.html", status=404, title=_("Not found"),
                      message=_("There is nothing here, or it is not yours to see."))

    @app.errorhandler(NotPermitted)
    def _not_permitted(exc: NotPermitted):  # type: ignore[no-untyped-def]
        return render("error.html", "error_fragment.html", status=403, title=_("Not allowed"),
                      message=refusal(exc, with_field=True))

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError):  # type: ignore[no-untyped-def]
        return render("error.html", "error_fragment.html", status=422, title=_("Refused"),
                      message=refusal(exc, with_field=True))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
        return render("error.html", "error_fragment.html", status=400, title=_("Form expired"),
                      message=_("The form was not sent from this site or has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        if request.blueprint == "api":
            return exc
        return render("error.html", "error_fragment.html", status=exc.code or 500, title=exc.name,
                      message=exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unexpected error")
        return render("error.html", "error_fragment.html", status=500, title=_("Something went wrong"),
                      message=_("The error was logged. Nothing you sent was stored unless the page says so."))
