"""The core's sentences in two languages (casemgr.texts): the English is today's wording,
word for word; every template the rules write has its Japanese with the same
placeholders; every refusal a form can meet is a text with its Japanese (decision 62);
and the read model keeps a rule's structure, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import datetime as dt
import json
from string import Formatter

import pytest
from hypothesis import given

from casemgr.bootstrap import build_projection
from casemgr.demo import _current_incident
from casemgr.rules import calendar
from casemgr.rules.coverage import PROPOSED_EXCLUSION, statement
from casemgr.rules.deadlines import deadlines
from casemgr.rules.facts import Facts
from casemgr.texts import Text, catalogue, decode, encode, localize, placeholders, templates
from events.policy import RIDERS, parse_terms
from events.values import CAUSES, CLAIM_KINDS, EXCLUSION_REASONS, OUTCOMES, OWN_EVENT_CATEGORIES, PYDANTIC_TEXTS
from tests.app.test_properties import FAST, build, policies, stories
from tests.conftest import OPERATOR, ROOT

CORE = (ROOT / "casemgr", ROOT / "events")
JA = catalogue("ja")
# The words the rules pass as parameters, from the vocabulary: exclusion reasons, causes,
# outcomes, claim kinds (as words; a rider's as its code too), expenses with their own
# event, weekdays.
WORDS = (
    set(EXCLUSION_REASONS) | set(CAUSES) | set(OUTCOMES) | set(RIDERS)
    | {kind.replace("_", " ") for kind in CLAIM_KINDS}
    | {category.replace("_", " ") for category in OWN_EVENT_CATEGORIES}
    | set(calendar.WEEKDAYS)
)
PYDANTIC = {template for templates in PYDANTIC_TEXTS.values() for template in templates}  # pydantic's messages


def literal_templates() -> dict[str, str]:
    """Every ``Text("...")`` written in the core's code (``casemgr`` and ``events``) -> where."""
    found = {}
    for path in sorted(p for package in CORE for p in package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Text"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def known_templates() -> set[str]:
    return set(literal_templates()) | {PROPOSED_EXCLUSION} | WORDS | PYDANTIC


def texts_of(log: dict) -> list[Text]:
    """Every rule and flag the rules write for the first incident of an incident log."""
    terms = parse_terms(log["policy"])
    facts = Facts(build(log["incidents"][0]["events"]).facts())
    s = statement(terms, facts)
    return [d.rule for d in deadlines(terms, facts)] + [line.rule for line in s.lines] + list(s.flags)


def logs() -> dict[str, dict]:
    found = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in (ROOT / "examples").glob("*.json")}
    found["demo"] = _current_incident(dt.date(2026, 11, 22))
    return found


# -- the English is today's -------------------------------------------------------------------

SEED_RULES = {
    "insurer_notice": "discovery 2005-06-01 + 5 days (遅滞なく, programme setting); met by a notice in writing, "
                      "e-mail or web",
    "ppc_preliminary": "5th day counting the day of awareness 2005-06-01 (速報: promptly, about 3-5 days; a target, "
                       "not moved for holidays); reportable: a wrongful purpose is suspected; 100,000 people affected "
                       "(more than 1,000)",
    "ppc_final": "60th day counting the day of awareness 2005-06-01 (possible wrongful purpose), moved from "
                 "Sat 2005-07-30 (weekend) to Mon 2005-08-01; reportable: a wrongful purpose is suspected; "
                 "100,000 people affected (more than 1,000)",
    "individual_notice": "promptly (速やかに); overdue after the 30th day counting 2005-06-01 (product bound); "
                         "reportable: a wrongful purpose is suspected; 100,000 people affected (more than 1,000)",
    "expense_window": "accident date 2005-05-20 + 180 days (事故対応期間); expenses paid after it do not count",
    "claim_filing_liability": "claim C1 resolved 2005-12-20 (損害確定) + 30 days",
    "claim_filing_expenses": "expense window closes 2005-11-16 + 30 days (no ExpensesFinalized yet)",
    "claims_made_cutoff": "policy period ends 2006-04-01 16:00 JST; a claim received after it falls outside "
                          "this policy",
}
SEED_LINES = [
    "defence costs (争訟費用) of claim C1: counted with the victims' damages",
    "victims claim C1 judgment: damages counted",
    "apology letters: covered, paid within the expense window",
]


def test_the_worked_example_rules_are_worded_as_they_always_were(seed_log):
    terms = parse_terms(seed_log["policy"])
    facts = Facts(build(seed_log["incidents"][0]["events"]).facts())
    assert {d.name: str(d.rule) for d in deadlines(terms, facts)} == SEED_RULES
    assert [str(line.rule) for line in statement(terms, facts).lines] == SEED_LINES


def test_a_text_is_its_english_and_keeps_its_template_and_parameters():
    text = Text("claim {claim} resolved {anchor} (損害確定) + {days} days", claim="C1", anchor=dt.date(2005, 12, 20),
                days=30)
    assert text == "claim C1 resolved 2005-12-20 (損害確定) + 30 days" == str(text)
    assert type(str(text)) is str and json.loads(json.dumps([text])) == [str(text)]
    assert text.template == "claim {claim} resolved {anchor} (損害確定) + {days} days"
    assert dict(text.params) == {"claim": "C1", "anchor": "2005-12-20", "days": 30}


def test_localize_says_it_in_japanese_and_leaves_english_and_plain_strings_as_they_are():
    text = Text("reportable: {reasons}", reasons=[Text("a wrongful purpose is suspected"),
                                                  Text("{count:,} people affected (more than 1,000)", count=1200)])
    assert str(text) == "reportable: a wrongful purpose is suspected; 1,200 people affected (more than 1,000)"
    japanese = "個人情報保護委員会への報告が必要です: 不正の目的のおそれがある、本人の数が1,200人（1,000人超）"
    assert localize(text, "ja") == localize(text, "ja_JP") == localize(text, "ja-JP") == japanese
    assert localize(text, "en") == localize(text, "fr") == localize(text, None) == str(text)
    assert localize("a rule stored before texts", "ja") == "a rule stored before texts"
    assert localize(Text("no Japanese for this yet {x}", x=Text("weekend")), "ja") == "no Japanese for this yet 週末"


def test_a_text_survives_encoding_and_a_plain_string_decodes_as_itself():
    rule = calendar.label(dt.date(2005, 7, 30))
    stored = encode(Text("moved from {day} ({why})", day=rule, why=calendar.closure_reason(dt.date(2005, 7, 30))))
    back = decode(stored)
    assert isinstance(back, Text) and back == "moved from Sat 2005-07-30 (weekend)"
    assert localize(back, "ja") == "moved from 2005-07-30（土） (週末)"  # the outer template has no Japanese
    assert decode("discovery 2005-06-01 + 5 days") == "discovery 2005-06-01 + 5 days"
    assert decode('{"t": not json') == '{"t": not json'
    assert encode("plain") == "plain"


# -- every template has its Japanese ------------------------------------------------------------

def test_every_template_written_in_the_core_has_its_japanese():
    missing = {template: where for template, where in literal_templates().items() if template not in JA}
    assert not missing, missing
    assert PROPOSED_EXCLUSION in JA
    assert not PYDANTIC - set(JA), sorted(PYDANTIC - set(JA))
    assert not WORDS - set(JA), sorted(WORDS - set(JA))


def test_the_catalogue_holds_no_template_the_core_no_longer_writes():
    assert not set(JA) - known_templates(), sorted(set(JA) - known_templates())


def formatted(template: str) -> list[str]:
    """The placeholders that carry a format, e.g. ``{count:,}``."""
    return sorted(f"{name}:{spec}" for _literal, name, spec, _conversion in Formatter().parse(template) if name and spec)


@pytest.mark.parametrize("template", sorted(JA))
def test_each_japanese_template_keeps_the_placeholders_of_its_english(template):
    assert placeholders(JA[template]) == placeholders(template)
    assert formatted(JA[template]) == formatted(template)


@pytest.mark.parametrize("name", sorted(logs()))
def test_every_text_of_the_examples_and_the_demo_is_said_in_japanese(name):
    texts = texts_of(logs()[name])
    assert texts
    for text in texts:
        assert templates(text) <= set(JA), (str(text), templates(text) - set(JA))
        assert localize(text, "ja") != str(text)


@FAST
@given(policies(), stories())
def test_every_text_of_any_incident_is_said_in_japanese(policy, events):
    terms, facts = parse_terms(policy), Facts(build(events).facts())
    s = statement(terms, facts)
    for text in [d.rule for d in deadlines(terms, facts)] + [line.rule for line in s.lines] + list(s.flags):
        assert templates(text) <= set(JA), (str(text), templates(text) - set(JA))


# -- the core's refusals are texts too (decision 62) -----------------------------------------------

# Where a refusal a person can meet in the web app is worded: all of events/ and the
# application modules a form reaches.
REFUSING = sorted((ROOT / "events").glob("*.py")) + [
    ROOT / "casemgr" / name for name in ("accounts.py", "application.py", "diagnosis.py", "service.py")] + sorted(
    (ROOT / "casemgr" / "rules").glob("*.py"))  # the premium estimate's refusals reach the new-policy form
ERRORS = {"DomainError", "NotPermitted", "NotFound", "ConcurrentUpdate", "AlreadySent"}


def refusals() -> list[tuple[ast.expr, str]]:
    """The message of every ``DomainError(...)`` (and subclass) raised in ``REFUSING``, of every
    ``FieldError`` and ``ValueError`` of a validator in events/values.py, and what
    ``name_problem`` returns (a refusal's message too) -> where."""
    found = []
    for path in REFUSING:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        validators = path.name == "values.py"
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                at = 1 if name == "FieldError" else 0
                if (name in ERRORS or validators and name in ("FieldError", "ValueError")) and len(node.args) > at:
                    found.append((node.args[at], where))
            elif validators and isinstance(node, ast.FunctionDef) and node.name == "name_problem":
                found += [(r.value, where) for r in ast.walk(node) if isinstance(r, ast.Return)
                          and not (isinstance(r.value, ast.Constant) and r.value.value is None)]
    return found


def not_a_text(message: ast.expr) -> list[ast.expr]:
    """The parts of a message that are neither ``Text("literal", ...)`` nor a name holding
    one (``problem or Text(...)``, ``Text(...) if ... else Text(...)`` are fine)."""
    if isinstance(message, ast.BoolOp):
        return [part for value in message.values for part in not_a_text(value)]
    if isinstance(message, ast.IfExp):
        return not_a_text(message.body) + not_a_text(message.orelse)
    if isinstance(message, ast.Name) or text_call(message):
        return []
    return [message]


def text_call(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Text" and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def refusal_texts() -> list[tuple[ast.Call, str]]:
    """Every ``Text("...")`` written in the refusing modules -> where."""
    return [(node, f"{path.relative_to(ROOT)}:{node.lineno}") for path in REFUSING
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if text_call(node)]


def test_every_refusal_a_form_can_meet_is_a_text_not_an_f_string_or_plain_literal():
    assert len(refusals()) > 180  # the scan finds them (196 when written)
    wrong = [f"{where}: {ast.unparse(part)[:90]}" for message, where in refusals() for part in not_a_text(message)]
    assert not wrong, "\n".join(wrong)


def test_every_refusal_text_has_its_japanese_with_the_same_placeholders():
    texts = refusal_texts()
    assert len(texts) > 180
    for node, where in texts:
        template = node.args[0].value
        assert JA.get(template), f"{where}: no Japanese for {template!r}"
        if node.keywords:  # a template without parameters is said as written (braces and all)
            if all(k.arg for k in node.keywords):  # (a **mapping names them at run time)
                assert {k.arg for k in node.keywords} == placeholders(template), where
            assert placeholders(JA[template]) == placeholders(template), where
            assert formatted(JA[template]) == formatted(template), where


@pytest.mark.parametrize("error_type", sorted(PYDANTIC_TEXTS))
def test_pydantic_messages_have_their_japanese_with_the_same_placeholders(error_type):
    for template in PYDANTIC_TEXTS[error_type]:
        assert JA.get(template) and placeholders(JA[template]) == placeholders(template)


# -- the read model keeps the structure ------------------------------------------------------------

@pytest.fixture
def projection(app):
    view = build_projection(app)
    yield view
    view.close()


def test_the_read_model_gives_back_each_rule_as_a_text_and_an_older_plain_rule_as_it_was(app, projection, seed_log):
    incident = app.import_log(seed_log, OPERATOR).incidents["INC-1"]
    projection.catch_up()
    view = projection.view
    stored = [r["rule"] for r in view.fetch(f"SELECT rule FROM {view.table('deadlines')}")]
    assert stored and all(s.startswith('{"t":') for s in stored)
    from_view = {r.deadline: r.rule for r in projection.deadlines(dt.date(2005, 7, 28), incident)}
    assert from_view == SEED_RULES
    assert all(isinstance(rule, Text) for rule in from_view.values())
    assert localize(from_view["ppc_final"], "ja").startswith(
        "知った日 2005-06-01 を1日目として60日目（不正の目的のおそれ）。2005-07-30（土）は週末のため2005-08-01（月）に繰り下げ。")
    with view.datastore.transaction(commit=True) as c:  # a row written before texts
        c.execute(view.sql(f"UPDATE {view.table('deadlines')} SET rule = %s WHERE deadline = %s"),
                  ("discovery 2005-06-01 + 5 days", "insurer_notice"))
    old = {r.deadline: r.rule for r in projection.deadlines(dt.date(2005, 7, 28), incident)}["insurer_notice"]
    assert old == "discovery 2005-06-01 + 5 days" and localize(old, "ja") == old
