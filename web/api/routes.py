"""The API's one table of operations, and what turns it into Flask rules.

``@operation(...)`` declares a view with its method, its OpenAPI path, its query
parameters, its body and its answers; ``register(bp)`` makes the Flask rules from the
table and ``web.api.openapi`` the document, so the two cannot disagree.

``{incident}`` is an id or ``POLICY-NUMBER/REFERENCE`` with the ``/`` URL-encoded
(``SK-1%2FINC-1``). A WSGI server hands the path over decoded, so every
``/incidents/...`` path goes to one dispatcher that reads the raw request URI (every
server we run under gives it) to tell the incident from what follows it; without the raw
URI (or when the client left the ``/`` unencoded), a trailing ``/events``, ``/statement`` or
``/export`` after an id or after something holding a ``/`` is taken as the sub-resource (a
reference never holds ``/``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import PathConverter

from events.values import parse_date

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREFIX = "/api/v1"


class Malformed(Exception):
    """A request we cannot read (400): not JSON, a key twice, a query value that does not parse."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def error(status: int, message: str, field: str | None) -> Response:
    response = jsonify({"error": {"field": field, "message": message}})
    response.status_code = status
    return response


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON schema, what it means, and whether it may repeat."""

    name: str
    schema: dict[str, Any]
    description: str
    repeat: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api/v1, OpenAPI style: /incidents/{incident}/events
    view: Callable[..., Any]
    summary: str
    description: str = ""
    query: tuple[Param, ...] = ()
    body: str | None = None  # the component schema of the request body
    status: int = 200
    answer: str | None = None  # the component schema of the answer
    refusals: tuple[int, ...] = (400, 401, 404, 422)
    public: bool = False
    example: Any = None
    path_params: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.view.__name__


OPERATIONS: list[Operation] = []


def operation(method: str, path: str, summary: str, **details: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        OPERATIONS.append(Operation(method, path, view, summary, **details))
        return view
    return declare


# -- Flask rules -----------------------------------------------------------------------------

INCIDENT_ROOT = "/incidents/{incident}"


class AnyPath(PathConverter):
    """Werkzeug's ``path``, but also across a decoded line break (``%0A``): such a path must
    reach the API (a JSON 404), not fall out of it."""

    regex = r"[^/][\s\S]*?"


def register(bp: Blueprint) -> None:
    """One rule per operation; every ``/incidents/{incident}...`` path through ``dispatch``;
    anything else under /api/v1 to a JSON 404 or 405."""
    bp.record_once(lambda state: state.app.url_map.converters.setdefault("anypath", AnyPath))
    for op in OPERATIONS:
        if op.path.startswith(INCIDENT_ROOT):
            continue
        rule = re.sub(r"\{(\w+)\}", r"<anypath:\1>", op.path)
        bp.add_url_rule(rule, endpoint=op.name, view_func=op.view, methods=[op.method])
    bp.add_url_rule("/incidents/<anypath:rest>", endpoint="incident_resource", view_func=dispatch,
                    methods=list(METHODS))
    bp.add_url_rule("/<anypath:rest>", endpoint="unknown", view_func=unknown, methods=list(METHODS))


def incident_operations() -> dict[tuple[str, str], Operation]:
    """(sub-resource, method) -> operation, for the dispatcher."""
    return {(op.path[len(INCIDENT_ROOT):].lstrip("/"), op.method): op
            for op in OPERATIONS if op.path.startswith(INCIDENT_ROOT)}


def dispatch(rest: str) -> Any:
    incident, sub = split_incident_path(rest)
    ops = incident_operations()
    op = ops.get((sub, "GET" if request.method == "HEAD" else request.method))
    if op is None:
        allowed = sorted(method for (s, method) in ops if s == sub)
        if not allowed:
            return not_found()
        response = error(405, f"{request.method} is not a method of this path; it has {', '.join(allowed)}", None)
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return op.view(incident)


def split_incident_path(rest: str) -> tuple[str, str]:
    """(incident, sub-resource) of the path after ``/incidents/``."""
    subs = {sub for sub, _ in incident_operations() if sub}
    raw = _raw_rest()
    if raw is not None:  # the path as sent: an encoded "/" (%2F) is still part of the incident
        segments = raw.split("/")
        if len(segments) == 1:
            return unquote(segments[0]), ""
        if len(segments) == 2 and unquote(segments[1]) in subs | {""}:
            return unquote(segments[0]), unquote(segments[1])
    head, sep, last = rest.rpartition("/")
    if sep and last in subs and (_is_uuid(head) or "/" in head):
        return head, last
    if sep and not last and (_is_uuid(head) or "/" in head):  # a trailing slash
        return head, ""
    return rest, ""


def _raw_rest() -> str | None:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:
        return None
    path = urlsplit(raw).path if "://" in raw else raw.split("?", 1)[0]
    root = request.script_root + PREFIX + "/incidents/"
    return path[len(root):] if path.startswith(root) else None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def not_found() -> Response:
    return error(404, f"no such path under {PREFIX} (see {PREFIX}/openapi.json)", None)


def unknown(rest: str) -> Any:
    """A path of no operation (404), or a method the path does not have (405)."""
    adapter = current_app.create_url_adapter(request)
    allowed = []
    for method in METHODS:
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != "api.unknown":
            allowed.append(method)
    if not allowed:
        return not_found()
    response = error(405, f"{request.method} is not a method of this path; it has {', '.join(allowed)}", None)
    response.headers["Allow"] = ", ".join(allowed)
    return response


# -- query parameters ------------------------------------------------------------------------


def check_query(op_name: str) -> None:
    """Refuse a query parameter the operation does not have, or one given twice that may not repeat."""
    op = next(o for o in OPERATIONS if o.name == op_name)
    known = {p.name: p for p in op.query}
    for name in request.args:
        if name not in known:
            raise Malformed("is not a query parameter of this route"
                            + (f" (it has {', '.join(known)})" if known else ""), name)
        if not known[name].repeat and len(request.args.getlist(name)) > 1:
            raise Malformed("is given twice; give it once", name)


def q_str(name: str) -> str | None:
    return request.args.get(name)


def q_list(name: str) -> tuple[str, ...] | None:
    values = request.args.getlist(name)
    return tuple(values) if values else None


def q_int(name: str, default: int | None = None, digits: int = 10) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    if not re.fullmatch(rf"[0-9]{{1,{digits}}}", value):
        raise Malformed(f"must be a whole number (got {_shown(value)})", name)
    return int(value)


def q_date(name: str) -> dt.date | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise Malformed(str(exc), name) from None


def q_bool(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise Malformed(f"must be true or false (got {_shown(value)})", name)
    return value == "true"


def _shown(value: str, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
