"""Console commands for the risk diagnosis (DOMAIN §11): ``casemgr diagnosis …``.

Registered into ``casemgr.cli.main`` by a line at the end of that module. The console acts
as ``operator`` (every business) or as the user ``--as`` names (its own business, or its
programmes' businesses). Bad input exits with status 2 and one line on stderr; nothing is
stored.

* ``questions [--json] [--lang ja|en]`` — the questionnaire and the answer scale;
* ``answer BUSINESS FILE [--complete]`` — record answers ({"appi-1": 3, …}; - reads stdin)
  on the diagnosis in progress (a new one when there is none), and complete it;
* ``list BUSINESS [--json]`` — the business's diagnoses;
* ``report BUSINESS [--number N] [--json | --pdf OUT] [--lang ja|en]`` — the report;
* ``overview [--json]`` — for staff and admins: the businesses' latest scores, counted by band.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from casemgr.cli import _print_json, _session, out
from casemgr.cli_input import Fail, read_json
from casemgr.diagnosis import (
    AREA_BY_CODE, AREAS, BANDS, QUESTIONS, SCALE, DiagnosisView, Report, band, band_label, comment, next_step, text,
)
from casemgr.jsonio import MAX_EVENT_BYTES
from events.values import JST

LANGS = click.Choice(["ja", "en"])


class Unavailable(Fail):
    """One line on stderr and exit status 1: something the machine lacks (a font)."""

    exit_code = 1


@click.group()
def diagnosis() -> None:
    """The risk diagnosis (リスク診断): questions, answers and the report."""


@diagnosis.command("questions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.option("--lang", type=LANGS, default="ja", show_default=True, help="Language of the questions.")
def questions(as_json: bool, lang: str) -> None:
    """The 11 areas and their questions, in order, and the answer scale 0-4."""
    if as_json:
        _print_json({
            "scale": [{"value": v, "ja": ja, "en": en} for v, ja, en in SCALE],
            "areas": [{"area": a.code, "ja": a.ja, "en": a.en, "questions": [
                {"id": q.id, "ja": q.ja, "en": q.en, "next_step": {"ja": q.step_ja, "en": q.step_en}}
                for q in QUESTIONS if q.area == a.code]} for a in AREAS],
        })
        return
    for n, area in enumerate(AREAS, 1):
        table = Table(title=f"{n}. {text(area, lang)}", title_justify="left")
        table.add_column("id", no_wrap=True)
        table.add_column("question", overflow="fold")
        for q in (q for q in QUESTIONS if q.area == area.code):
            table.add_row(q.id, text(q, lang))
        out.print(table)
    out.print("  ".join(f"{v} {text((ja, en), lang)}" for v, ja, en in SCALE))


@diagnosis.command("answer")
@click.argument("business")
@click.argument("file", metavar="FILE")
@click.option("--complete", is_flag=True, help="Complete the diagnosis too (every question must be answered).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def answer(ctx: click.Context, business: str, file: str, complete: bool, as_json: bool) -> None:
    """Record answers from FILE (a JSON object of question id to 0-4; - reads stdin) on the
    business's diagnosis in progress, a new one when there is none. All or nothing."""
    answers = _read_answers(file)
    with _session(ctx) as core:
        found = core.diagnosis.answer(ctx.obj, business, answers, complete=complete)
    if as_json:
        _print_json(_diagnosis_json(found))
        return
    state = (f"complete: overall {found.overall} ({band_label(band(found.overall), 'en')})" if found.complete
             else f"{len(found.answers)} of {len(found.questions)} answered")
    click.echo(f"diagnosis {found.number} of {found.business}: {state}")


@diagnosis.command("list")
@click.argument("business")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def list_(ctx: click.Context, business: str, as_json: bool) -> None:
    """The business's diagnoses, the first first."""
    with _session(ctx) as core:
        found = core.diagnosis.diagnoses(ctx.obj, business)
    if as_json:
        _print_json([_diagnosis_json(d) for d in found])
        return
    table = Table()
    for column in ("number", "started", "answered", "completed", "overall"):
        table.add_column(column, justify="right" if column in ("number", "overall") else "left")
    for d in found:
        table.add_row(str(d.number), _jst(d.started_at), f"{len(d.answers)}/{len(d.questions)}",
                      _jst(d.completed_at) if d.completed_at else "",
                      "" if d.overall is None else str(d.overall))
    out.print(table)


@diagnosis.command("report")
@click.argument("business")
@click.option("--number", type=click.IntRange(min=1, max=10**6), help="This diagnosis (default: the latest completed).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), metavar="OUT",
              help="Write the report as a PDF to OUT.")
@click.option("--lang", type=LANGS, default="ja", show_default=True, help="Language of the report.")
@click.pass_context
def report(ctx: click.Context, business: str, number: int | None, as_json: bool, pdf: Path | None,
           lang: str) -> None:
    """個人情報管理リスク評価報告書: the overall score, each area's score, comment and next steps,
    beside the previous completed diagnosis."""
    if as_json and pdf:
        raise Fail("give --json or --pdf, not both")
    with _session(ctx) as core:
        found = core.diagnosis.report(ctx.obj, business, number)
    if pdf is not None:
        _write_pdf(found, lang, pdf)
    elif as_json:
        _print_json(found.as_json())
    else:
        _print_report(found, lang)


@diagnosis.command("overview")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")
@click.pass_context
def overview(ctx: click.Context, as_json: bool) -> None:
    """For staff (their programmes' businesses) and admins: each business's latest diagnosis,
    and per area how many businesses fall in each band."""
    with _session(ctx) as core:
        found = core.diagnosis.overview(ctx.obj)
    if as_json:
        _print_json({
            "businesses": [{"business": r.business, "name": r.name, "taken": r.taken, "in_progress": r.in_progress,
                            "latest": r.latest, "completed_at": r.completed_at.isoformat() if r.completed_at else None,
                            "overall": r.overall,
                            "areas": dict(zip((a.code for a in AREAS), r.area_scores)) if r.area_scores else None}
                           for r in found.rows],
            "distribution": found.distribution, "overall_distribution": found.overall_distribution,
        })
        return
    table = Table(title="Businesses by band (their latest completed diagnosis)", title_justify="left")
    table.add_column("area")
    for code, low, _ja, en in BANDS:
        table.add_column(f"{en} ({low}-)", justify="right")
    table.add_row("overall", *(str(found.overall_distribution[b[0]]) for b in BANDS))
    for area in AREAS:
        table.add_row(area.en, *(str(found.distribution[area.code][b[0]]) for b in BANDS))
    out.print(table)
    rows = Table(title="Businesses", title_justify="left")
    for column in ("business", "name", "taken", "latest", "completed", "overall", "in progress"):
        rows.add_column(column, overflow="fold")
    for r in found.rows:
        rows.add_row(r.business, r.name, str(r.taken), str(r.latest or ""),
                     _jst(r.completed_at)[:10] if r.completed_at else "",
                     "" if r.overall is None else str(r.overall), str(r.in_progress or ""))
    out.print(rows)


# -- helpers ---------------------------------------------------------------------------------------


def _read_answers(file: str) -> Any:
    if file == "-":
        return read_json(sys.stdin.buffer, "answers (stdin)", MAX_EVENT_BYTES)
    try:
        with open(file, "rb") as stream:
            return read_json(stream, file, MAX_EVENT_BYTES)
    except OSError as exc:
        raise Fail(f"{file}: cannot read it ({exc.__class__.__name__}: {exc})") from None


def _jst(moment: Any) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _diagnosis_json(d: DiagnosisView) -> dict[str, Any]:
    return {
        "business": d.business, "number": d.number, "questionnaire": d.questionnaire,
        "started_at": d.started_at.isoformat(), "complete": d.complete,
        "answered": len(d.answers), "questions": len(d.questions), "unanswered": list(d.unanswered),
        "completed_at": d.completed_at.isoformat() if d.completed_at else None,
        "overall": d.overall, "areas": dict(zip(d.areas, d.area_scores)) if d.area_scores else None,
        "answers": d.answers,
    }


def _print_report(r: Report, lang: str) -> None:
    out.print(f"個人情報管理リスク評価報告書 — {r.business_name} ({r.business}), diagnosis {r.number}, "
              f"{_jst(r.completed_at)[:10]}")
    previous = f" (previous, diagnosis {r.previous_number}: {r.previous_overall})" if r.previous_number else ""
    out.print(f"Overall: {r.overall} {band_label(r.band, lang)}{previous}")
    table = Table()
    for column in ("area", "score", "previous", "band", "comment and next steps"):
        table.add_column(column, justify="right" if column in ("score", "previous") else "left", overflow="fold")
    for a in r.areas:
        said = [comment(a.area, a.band, lang)] + [f"→ {next_step(q, lang)}" for q in a.next_steps]
        table.add_row(text(AREA_BY_CODE[a.area], lang), str(a.score), "" if a.previous is None else str(a.previous),
                      band_label(a.band, lang), "\n".join(said))
    out.print(table)


def _write_pdf(found: Report, lang: str, target: Path) -> None:
    from casemgr.diagnosis_pdf import FontMissing, report_pdf

    try:
        data = report_pdf(found, lang)
    except FontMissing as exc:
        raise Unavailable(str(exc)) from None
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise Fail(f"{target}: cannot write it ({exc.__class__.__name__}: {exc})") from None
    click.echo(str(target))


def register(main: click.Group) -> None:
    main.add_command(diagnosis)
