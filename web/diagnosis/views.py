"""The diagnosis pages: validate → one ``core.diagnosis`` call → a page or a fragment."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from casemgr.diagnosis import (
    AREA_BY_CODE, AREAS, BANDS, QUESTION_BY_ID, SCALE, band, band_label, comment, next_step, text,
)
from casemgr.errors import DomainError, NotFound
from web.auth import current_actor
from web.filters import refusal
from web.diagnosis import bp, charts
from web.extensions import htmx
from web.htmx import render

STAFF_ROLES = ("staff", "admin")


def _diagnoses():  # type: ignore[no-untyped-def]
    return current_app.extensions["casemgr"].diagnosis


def _lang() -> str:
    return str(get_locale() or "ja")


@bp.app_template_filter("said")
def _said(item: Any) -> str:
    """An area, question or (Japanese, English) pair in the page's language."""
    return text(item, _lang())


@bp.context_processor
def _helpers() -> dict[str, Any]:
    lang = _lang()
    return {
        "AREAS": AREAS, "AREA_BY_CODE": AREA_BY_CODE, "QUESTION_BY_ID": QUESTION_BY_ID,
        "SCALE": [(v, text((ja, en), lang)) for v, ja, en in SCALE],
        "BANDS": [(code, low, text((ja, en), lang)) for code, low, ja, en in BANDS],
        "band_label": lambda code: band_label(code, lang), "band_of": band,
        "area_comment": lambda area, band: comment(area, band, lang),
        "next_step": lambda question: next_step(question, lang),
    }


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if actor.role == "insured":
        return redirect(url_for("diagnosis.business", business=actor.business))
    if actor.role not in STAFF_ROLES:
        abort(404)
    overview = _diagnoses().overview(actor)
    bars = {area: charts.stacked_bar(counts) for area, counts in overview.distribution.items()}
    return render("diagnosis/overview.html", overview=overview, bars=bars,
                  overall_bar=charts.stacked_bar(overview.overall_distribution))


@bp.route("/<business>/")
def business(business: str):  # type: ignore[no-untyped-def]
    service, actor = _diagnoses(), current_actor()
    found = service.diagnoses(actor, business)  # NotFound first: nothing else is read
    return render("diagnosis/business.html", business=business, name=service.business_name(actor, business),
                  diagnoses=list(reversed(found)), in_progress=next((d for d in found if not d.complete), None),
                  latest=next((d for d in reversed(found) if d.complete), None))


@bp.route("/<business>/start", methods=["POST"])
def start(business: str):  # type: ignore[no-untyped-def]
    started = _diagnoses().start(current_actor(), business)
    return redirect(url_for("diagnosis.questionnaire", business=business, number=started.number))


@bp.route("/<business>/<int:number>", methods=["GET", "POST"])
def questionnaire(business: str, number: int):  # type: ignore[no-untyped-def]
    service, actor = _diagnoses(), current_actor()
    found = service.diagnosis(actor, business, number)
    if request.method == "GET":
        if found.complete:
            return redirect(url_for("diagnosis.report", business=business, number=number))
        return _questionnaire(business, found)
    answers, finish = _answers(request.form), request.form.get("action") == "finish"
    try:
        saved = service.answer(actor, business, answers, complete=finish, number=number)
    except NotFound:
        raise
    except DomainError as exc:
        errors, message = _errors(exc, found, answers)
        if htmx:
            return render("diagnosis/_progress.html", status=422, diagnosis=found, message=message)
        return _questionnaire(business, found, answers, errors, message, status=422)
    if finish:
        flash(_("Your diagnosis is complete. Here is your report."))
        return redirect(url_for("diagnosis.report", business=business, number=number))
    if htmx:
        return render("diagnosis/_progress.html", diagnosis=saved, saved=True)
    flash(_("Your answers are saved. You can come back and go on later."))
    return redirect(url_for("diagnosis.questionnaire", business=business, number=number))


@bp.route("/<business>/<int:number>/report")
def report(business: str, number: int):  # type: ignore[no-untyped-def]
    found = _diagnoses().report(current_actor(), business, number)
    lang = _lang()
    chart = charts.radar([(text(AREA_BY_CODE[a.area], lang), a.score, a.band, a.previous) for a in found.areas])
    in_progress = next((d for d in _diagnoses().diagnoses(current_actor(), business) if not d.complete), None)
    return render("diagnosis/report.html", report=found, chart=chart, in_progress=in_progress)


@bp.route("/<business>/<int:number>/report.pdf")
def report_pdf(business: str, number: int):  # type: ignore[no-untyped-def]
    from casemgr.diagnosis_pdf import FontMissing, report_pdf as make_pdf

    found = _diagnoses().report(current_actor(), business, number)
    try:
        data = make_pdf(found, _lang())
    except FontMissing as exc:
        current_app.logger.error("diagnosis PDF: %s", exc)
        return render("error.html", "error_fragment.html", status=503, title=_("The PDF cannot be made here"),
                      message=str(exc))
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", business).strip("_") or "business"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="risk-report-{name}-{number}.pdf"'})


# -- helpers ------------------------------------------------------------------------------------------


def _answers(form: Any) -> dict[str, Any]:
    """The questions answered in the form: "0".."4" becomes a number; anything else is handed
    to the core as it came, which refuses it with its reason (forms, console and core agree)."""
    out: dict[str, Any] = {}
    for key in form:
        if key in QUESTION_BY_ID:
            raw = form.get(key, "")
            out[key] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else raw
    return out


def _errors(exc: DomainError, found: Any, answers: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The refusal beside its question(s), and the line on top of the form."""
    field = exc.field or ""
    if field.startswith("answers.") and field[len("answers."):] in QUESTION_BY_ID:
        return ({field[len("answers."):]: _("Choose one of the answers 0 to 4.")},
                _("One answer was not accepted; nothing was saved."))
    if field == "answers" and "not answered" in exc.message:
        missing = [q for q in found.questions if q not in found.answers and q not in answers]
        return ({q: _("Answer this question.") for q in missing},
                _("%(count)d questions are not answered yet; nothing was saved. There is no score until "
                  "every question is answered.", count=len(missing)))
    return {}, refusal(exc, with_field=True)


def _questionnaire(business: str, found: Any, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, message: str | None = None, status: int = 200):
    answers = found.answers | (values or {})
    asked = [QUESTION_BY_ID[q] for q in found.questions if q in QUESTION_BY_ID]
    sections = [(area, [q for q in asked if q.area == area.code]) for area in AREAS]
    return render("diagnosis/questionnaire.html", status=status, business=business,
                  name=_diagnoses().business_name(current_actor(), business), diagnosis=found,
                  sections=sections, answers=answers, errors=errors or {}, message=message)
