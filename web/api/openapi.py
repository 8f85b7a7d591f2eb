"""The OpenAPI 3.1 document of the API, made with apispec from the operations table
(``web.api.routes.OPERATIONS``) and the pydantic models (``web.api.schemas``).

apispec builds the document and resolves schema names to references; it validates
nothing at run time, so the API's own validation (the core's) and error shape stay as they
are. OpenAPI 3.1 because its schemas are JSON Schema 2020-12, which is what pydantic 2 writes.
"""

from __future__ import annotations

import functools
from typing import Any

from apispec import APISpec

from web.api.routes import OPERATIONS, PREFIX
from web.api.schemas import components

ERRORS = {
    400: "Malformed: not JSON, a key given twice, nested too deeply, a query parameter that does not parse "
         "or is not one of this route's.",
    401: "No token, or a bad one (send `Authorization: Bearer <token>`).",
    404: "Not found, or not yours to see (the two are answered alike).",
    409: "Conflict: the incident kept changing while we tried, or this reminder was already sent; nothing stored.",
    422: "Refused by a rule (the console command's message; `field` names the field). Nothing stored.",
}

EXAMPLE_EVENT = {"type": "InsurerNotified", "on": "2005-06-02", "channel": "written"}
EXAMPLE_LEAK = {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "Customer list sold by a vendor's employee",
                "cause": "vendor", "media": "electronic", "data_items": ["name", "address", "phone"],
                "affected_count": 100000, "wrongful_purpose_suspected": True}
EXAMPLE_POLICY = {"number": "SK-2005-0099", "programme": "P1", "pattern": "D",
                  "insured": {"code": "B1", "name": "Sample Co."},
                  "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"}
EXAMPLES = {
    "Event": EXAMPLE_EVENT,
    "OpenIncident": {"policy": "SK-2005-0099", "reference": "INC-9", "event": EXAMPLE_LEAK},
    "PolicyTerms": EXAMPLE_POLICY,
    "IncidentLog": {"policy": {**EXAMPLE_POLICY, "number": "SK-2005-0098"}, "incidents": []},
}


@functools.cache
def document() -> dict[str, Any]:
    spec = APISpec(
        title="casemgr API", version="1", openapi_version="3.1.0",
        info={"description": "Incidents of personal-information leaks under leak liability policies (DOMAIN §9.1). "
                             "Every route but this document needs `Authorization: Bearer <token>` (`casemgr tokens "
                             "create EMAIL`). What you may see follows the access rule: an insured user its own "
                             "business, staff their programmes, an admin everything; anything else is a 404. "
                             "Errors are `{\"error\": {\"field\": ..., \"message\": ...}}`."},
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "An API token: cm_<user>_<id>_<secret>."})
    for name, schema in components().items():
        spec.components.schema(name, schema)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(op: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.name, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    if op.public:
        out["security"] = []
    parameters = [
        {"name": name, "in": "path", "required": True, "description": text, "schema": {"type": "string", "minLength": 1}}
        for name, text in op.path_params.items()
    ]
    for p in op.query:
        schema = {"type": "array", "items": p.schema} if p.repeat else p.schema
        param = {"name": p.name, "in": "query", "required": False, "description": p.description, "schema": schema}
        if p.repeat:
            param.update(style="form", explode=True)
        parameters.append(param)
    if parameters:
        out["parameters"] = parameters
    if op.body:
        body: dict[str, Any] = {"schema": op.body}
        if op.body in EXAMPLES:
            body["example"] = EXAMPLES[op.body]
        out["requestBody"] = {"required": True, "content": {"application/json": body}}
    ok: dict[str, Any] = {"description": op.summary}
    if op.answer:
        ok["content"] = {"application/json": {"schema": op.answer}}
    elif op.public:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses = {str(op.status): ok}
    for code in sorted(set(op.refusals) | ({401} if not op.public else set())):
        responses[str(code)] = {"description": ERRORS[code],
                                "content": {"application/json": {"schema": "Error"}}}
    out["responses"] = responses
    return out
