"""The JSON API (DOMAIN §9.1) under ``/api/v1``.

* **Authentication**: ``Authorization: Bearer <token>`` on every route but the OpenAPI
  document (``web.api.auth``); never a cookie, so the blueprint is exempt from CSRF.
* **Access**: every view calls the core's public surface (``casemgr.service``) with the
  token's actor; the core answers another business's incident exactly as a missing one
  (404).
* **Errors**: ``{"error": {"field": ..., "message": ...}}`` with 400 (malformed: not JSON,
  a key twice, a query parameter that does not parse), 401 (no or bad token), 404 (not
  found or not yours, and unknown paths), 405 (a method the path does not have), 409
  (conflict: the incident kept changing, a reminder already sent), 422 (refused by a rule
  — the same message as the console command, with the field it names; a role that may not
  do this is such a rule). A failure of ours is a 500 in the same shape, logged.
* **Routes** are declared once in ``web.api.routes`` (``operation``); the Flask rules and the
  OpenAPI 3.1 document (``/api/v1/openapi.json``, built by apispec in ``web.api.openapi``)
  are both made from that one table, so neither can list a route the other lacks.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from werkzeug.exceptions import HTTPException

from casemgr.errors import ConcurrentUpdate, DomainError, NotFound
from events.errors import AlreadySent
from web.api.auth import authenticate
from web.api.routes import METHODS, OPERATIONS, Malformed, error, not_found, register
from web.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens only: a browser's cookie never authenticates an API call

from web.api import views  # noqa: E402,F401  (declares the operations)

register(bp)
__all__ = ["bp", "OPERATIONS", "METHODS"]


@bp.before_request
def _authenticate():  # type: ignore[no-untyped-def]
    if request.endpoint == "api.openapi":
        return None
    actor, refusal = authenticate(current_app, request.headers.get("Authorization"))
    if refusal is not None:
        return refusal
    g.api_actor = actor
    return None


@bp.errorhandler(Malformed)
def _malformed(exc: Malformed):  # type: ignore[no-untyped-def]
    return error(400, exc.message, exc.field)


@bp.errorhandler(DomainError)
def _refused(exc: DomainError):  # type: ignore[no-untyped-def]
    if isinstance(exc, NotFound):
        return error(404, exc.message, exc.field)
    if isinstance(exc, (ConcurrentUpdate, AlreadySent)):
        return error(409, exc.message, exc.field)
    return error(422, exc.message, exc.field)  # NotPermitted too: a role rule, worded as on the console


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
    if exc.code == 404:
        return not_found()
    response = error(exc.code or 500, exc.description or exc.name, None)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
    current_app.logger.exception("API: unexpected error")
    return error(500, "something went wrong on our side; it was logged. Nothing was stored unless "
                      "the answer said so", None)

