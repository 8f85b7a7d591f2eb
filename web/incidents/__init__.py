"""The insured business's pages and the incident page.

* ``/incidents/`` — my incidents, newest first, deadlines counted by status, paged by cursor;
* ``/incidents/report`` — report a leak (the ``LeakDiscovered`` form);
* ``/incidents/<ref>`` — the incident: timeline, deadlines, statement, a form for every event
  type the user's role may record, the insurance claim form; ``?version=N`` as it stood then;
* ``/incidents/<ref>/timeline|deadlines|statement|forms|claim`` — each panel on its own URL:
  the fragment for htmx, a page otherwise;
* ``POST /incidents/<ref>/events`` — record one event (htmx: the new timeline and
  ``HX-Trigger: incident-changed``; without JavaScript: back to the page);
* ``/incidents/<ref>/export`` — the incident log (JSON) to download;
* ``/incidents/<ref>/whatif`` — the statement under each pattern A–E and the policy's own
  terms, side by side, the cap that binds marked (DOMAIN §12; read only).

``ref`` is the incident's id or ``POLICY-NUMBER/REFERENCE``. Every view passes
``current_actor()`` to the core, which answers another business's incident with
``NotFound`` (a plain 404)."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from casemgr.errors import DomainError, NotFound
from web.auth import current_actor
from web.extensions import htmx
from web.htmx import render
from web.incidents import forms, labels
from web.incidents.pages import IncidentPage, binds_label, report_form, whatif_rows

bp = Blueprint("incidents", __name__, url_prefix="/incidents", template_folder="templates",
               static_folder="static", static_url_path="/-/static")

PER_PAGE = 20
PANELS = {  # panel -> its fragment
    "timeline": "incidents/_timeline.html",
    "deadlines": "incidents/_deadlines.html",
    "statement": "incidents/_statement.html",
    "forms": "incidents/_forms.html",
    "claim": "incidents/_claim.html",
}


@bp.app_context_processor
def _labels():  # type: ignore[no-untyped-def]
    return {"event_label": labels.event, "field_label": labels.field, "value_label": labels.value}


def _service():  # type: ignore[no-untyped-def]
    return current_app.extensions["casemgr"].service


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    page = _service().incidents(current_actor(), cursor=request.args.get("cursor") or None, per_page=PER_PAGE)
    return render("incidents/index.html", "incidents/_list.html", listing=page)


@bp.route("/report", methods=["GET", "POST"])
def report():  # type: ignore[no-untyped-def]
    actor, service = current_actor(), _service()
    policies = service.policies(actor)
    if request.method == "GET":
        form = report_form(policies, {"on": service.today().isoformat()})
        return render("incidents/report.html", "incidents/_report_form.html", form=form)
    policy, reference = request.form.get("policy", ""), request.form.get("reference", "").strip()
    try:
        opened = service.open_incident(actor, policy, reference, forms.payload("LeakDiscovered", request.form))
    except DomainError as exc:  # NotFound included: a policy that is not one of ours is a field error here
        errors = forms.field_errors("LeakDiscovered", exc, extra=("policy", "reference"))
        if isinstance(exc, NotFound):
            errors = {"policy": _("Choose one of your policies.")}
        values = forms.form_values("LeakDiscovered", request.form) | {"policy": policy, "reference": reference}
        form = report_form(policies, values, errors)
        return render("incidents/report.html", "incidents/_report_form.html", status=422, form=form)
    flash(_("The leak is reported. Record what happens next on this page."))
    return redirect(url_for("incidents.show", ref=opened.id))


@bp.route("/<path:ref>")
def show(ref: str):  # type: ignore[no-untyped-def]
    page = IncidentPage.load(_service(), current_actor(), ref, _version())
    return render("incidents/show.html", **page.context())


@bp.route("/<path:ref>/<any(timeline, deadlines, statement, forms, claim):panel>")
def panel(ref: str, panel: str):  # type: ignore[no-untyped-def]
    page = IncidentPage.load(_service(), current_actor(), ref, _version(), panels=(panel,))
    return render("incidents/panel.html", PANELS[panel], panel_template=PANELS[panel], **page.context())


@bp.route("/<path:ref>/whatif")
def whatif(ref: str):  # type: ignore[no-untyped-def]
    """DOMAIN §12: the statement under each pattern A–E and the policy's own terms; read only."""
    result = _service().whatif(current_actor(), ref)
    view = result.incident
    return render("incidents/whatif.html", ref=f"{view.policy_number}/{view.reference}", view=view,
                  columns=result.columns, rows=whatif_rows(result.columns), binds_label=binds_label)


@bp.route("/<path:ref>/events", methods=["POST"])
def record(ref: str):  # type: ignore[no-untyped-def]
    actor, service = current_actor(), _service()
    kind = request.form.get("type", "")
    if kind not in forms.recordable_types(actor.role):
        raise NotFound("no such form", "type")
    try:
        service.record(actor, ref, forms.payload(kind, request.form))
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(ref, kind, exc)
    if not htmx:
        flash(_("Recorded: %(event)s", event=labels.event(kind)))
        return redirect(url_for("incidents.show", ref=ref))
    page = IncidentPage.load(service, actor, ref, panels=("timeline",))
    return render("incidents/panel.html", PANELS["timeline"], trigger="incident-changed",
                  panel_template=PANELS["timeline"], **page.context())


def _refused(ref: str, kind: str, exc: DomainError):  # type: ignore[no-untyped-def]
    """The form again with the core's error beside its field; nothing was stored."""
    page = IncidentPage.load(_service(), current_actor(), ref)
    failed = page.form(kind, forms.form_values(kind, request.form), forms.field_errors(kind, exc))
    if htmx:
        response = render("incidents/_event_form.html", "incidents/_event_form.html", status=422,
                          form=failed, **page.context())
        response.headers["HX-Retarget"] = f"#{failed.id}"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return render("incidents/show.html", status=422, **page.context(failed=failed))


@bp.route("/<path:ref>/export")
def export(ref: str):  # type: ignore[no-untyped-def]
    log = _service().export(current_actor(), ref)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", ref).strip("_") or "incident"
    return Response(json.dumps(log, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


def _version() -> int | None:
    raw = request.args.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit():
        raise DomainError(_("The version must be a whole number."), "version")
    return int(raw)
