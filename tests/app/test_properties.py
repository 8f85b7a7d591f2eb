"""Properties of the statement (DOMAIN §5) over random incidents, and the interchange round trip (§8).

Most properties run the pure rules on an in-memory Incident:
``casemgr.rules.coverage.statement(terms, Facts(incident.facts()))``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgr.bootstrap import build_app
from casemgr.clock import FixedClock
from casemgr.rules.coverage import Used, statement
from casemgr.rules.facts import Facts
from casemgr.settings import Settings
from events.incident import Incident, event_id
from events.policy import parse_terms
from events.values import (
    BOTH_PART_REASONS, CLAIM_KINDS, EXCLUSION_REASONS, EXPENSE_CATEGORIES, JST, validate_event,
)
from tests.conftest import OPERATOR, SEED_001

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST)
TODAY = NOW.date()
POLICY_ID = uuid.uuid4()
SEED = json.loads(SEED_001.read_text(encoding="utf-8"))
DISCOVERED = dt.date(2005, 6, 1)
DISCOVERY = dict(SEED["incidents"][0]["events"][0])


def day(start: dt.date, lo: int, hi: int):
    return st.integers(lo, hi).map(lambda n: (start + dt.timedelta(days=n)).isoformat())


amounts = st.one_of(st.integers(0, 500_000), st.integers(0, 40_000_000))


# -- random incidents -----------------------------------------------------------------


@st.composite
def policies(draw) -> dict:
    policy = copy.deepcopy(SEED["policy"])
    policy["pattern"] = draw(st.sampled_from("ABCDE"))
    policy["riders"] = draw(st.lists(st.sampled_from(["network", "credit_card"]), unique=True))
    policy["deductible_yen"] = draw(st.sampled_from([0, 1, 100_000, 500_000]))
    policy["expense_coinsurance_pct"] = draw(st.sampled_from([0, 33, 90, 100]))
    return policy


def cost_events(when):
    return st.one_of(
        st.builds(lambda on, n, c: {"type": "IndividualsNotified", "on": on, "recipients": n, "cost_yen": c},
                  when, st.integers(0, 10_000), amounts),
        st.builds(lambda on, c: {"type": "ApologyAdPublished", "on": on, "media": "newspaper", "cost_yen": c},
                  when, amounts),
        st.builds(lambda on, c: {"type": "PressConferenceHeld", "on": on, "cost_yen": c}, when, amounts),
        st.builds(lambda on, c: {"type": "CallCenterOperated", "on": on, "from": "2005-06-01",
                                 "to": "2005-06-30", "calls": 100, "cost_yen": c}, when, amounts),
        st.builds(lambda on, n, p: {"type": "CondolenceSent", "on": on, "recipients": n, "per_person_yen": p},
                  when, st.integers(0, 5_000), st.sampled_from([0, 300, 500, 501, 1_000])),
        st.builds(lambda on, cat, c: {"type": "ExpensePaid", "on": on, "category": cat, "cost_yen": c,
                                      "vendor": "V"}, when, st.sampled_from(EXPENSE_CATEGORIES), amounts),
    )


@st.composite
def claim_blocks(draw, ref: str) -> list[dict]:
    received = dt.date(2005, 3, 1) + dt.timedelta(days=draw(st.integers(0, 440)))
    received_event = {"type": "ClaimReceived", "on": received.isoformat(), "claim_ref": ref,
                      "kind": draw(st.sampled_from(CLAIM_KINDS)), "claimants": 2,
                      "amount_claimed_yen": draw(amounts),
                      "forum": draw(st.sampled_from(["japan", "japan", "overseas"])), "lawsuit": draw(st.booleans())}
    if draw(st.booleans()):  # received at a time of day, in JST
        received_event["at"] = f"{received.isoformat()}T{draw(st.integers(0, 23)):02d}:30:00+09:00"
        del received_event["on"]
    block = [received_event]
    for n in range(draw(st.integers(0, 2))):
        block.append({"id": f"{ref}d{n}", "type": "DefenceCostPaid", "claim_ref": ref,
                      "on": draw(day(received, 0, 300)), "cost_yen": draw(amounts)})
    if draw(st.booleans()):
        outcome = draw(st.sampled_from(["judgment", "settlement", "withdrawn", "dismissed"]))
        block.append({"id": f"{ref}r", "type": "ClaimResolved", "claim_ref": ref, "on": draw(day(received, 0, 300)),
                      "outcome": outcome,
                      "amount_yen": 0 if outcome in ("withdrawn", "dismissed") else draw(amounts)})
    return block


@st.composite
def stories(draw) -> list[dict]:
    """The events of one incident (file-local ids on those that may be voided or decided on)."""
    events: list[dict] = [copy.deepcopy(DISCOVERY)]
    events[0]["wrongful_purpose_suspected"] = draw(st.booleans())
    events[0]["records_location"] = draw(st.sampled_from(["japan", "overseas"]))
    if draw(st.booleans()):
        events.append({"id": "occ", "type": "LeakOccurred", "on": draw(day(dt.date(2005, 3, 1), 0, 92))})
    if draw(st.integers(0, 3)):
        events.append({"id": "pub", "type": "Publicized", "on": draw(day(DISCOVERED, 0, 30)), "how": "website"})
    costs = draw(st.lists(cost_events(day(dt.date(2005, 3, 1), 0, 380)), max_size=8))
    for n, cost in enumerate(costs):
        events.append({"id": f"x{n}", **cost})
    for n, cost in enumerate(costs):
        if cost.get("category") == "other" and draw(st.booleans()):
            events.append({"id": f"cd{n}", "type": "CoverageDecided", "on": "2006-06-01", "event": f"x{n}",
                           "covered": draw(st.booleans()), "reason": "random"})
    for n in range(draw(st.integers(0, 3))):
        events.extend(draw(claim_blocks(f"C{n}")))
    if not draw(st.integers(0, 5)):
        scope = draw(st.sampled_from(["incident", "liability", "expenses"]))
        reasons = EXCLUSION_REASONS if scope == "liability" else BOTH_PART_REASONS
        events.append({"id": "exc", "type": "ExclusionApplied", "on": "2006-06-02", "scope": scope,
                       "reason": draw(st.sampled_from(reasons))})
    if draw(st.booleans()):
        events.append({"id": "paid", "type": "InsurerPaid", "on": "2006-07-01", "part": "liability",
                       "amount_yen": draw(amounts)})
    return events


def build(events: list[dict]) -> Incident:
    """The in-memory Incident of a story, as an import would record it."""
    local: dict[str, str] = {}
    incident: Incident | None = None
    for payload in events:
        payload = dict(payload)
        local_id = payload.pop("id", None)
        if payload["type"] in ("EventVoided", "CoverageDecided"):
            payload["event"] = local[payload["event"]]
        kind, fields = validate_event(payload)
        if incident is None:
            incident = Incident.open(POLICY_ID, "INC-1", fields, OPERATOR, NOW, TODAY)
        else:
            incident.record(kind, fields, OPERATOR, NOW, TODAY)
        if local_id is not None:
            local[local_id] = event_id(incident.version)
    assert incident is not None
    return incident


def statement_of(policy: dict, events: list[dict], used: Used = Used()):
    return statement(parse_terms(policy), Facts(build(events).facts()), used)


def numbers(s) -> tuple:
    """What a statement says, without the stored ids of its events."""
    def anonymous(text: str) -> str:
        return re.sub(r"\be\d+\b", "e?", text)
    return (
        s.liability, s.expenses, s.total_payable_yen, s.paid_yen, s.accident_date,
        tuple(anonymous(f) for f in s.flags),
        tuple((l.type, l.part, l.on, l.amount_yen, l.counted_yen, anonymous(l.rule), l.claim_ref, l.category)
              for l in s.lines),
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- payable bounds ---------------------------------------------------------------------


@FAST
@given(policies(), stories(), st.integers(0, 400_000_000), st.integers(0, 40_000_000))
def test_payable_is_never_negative_and_never_above_the_limits(policy, events, used_liability, used_expenses):
    s = statement_of(policy, events, Used(used_liability, used_expenses))
    terms = parse_terms(policy)
    assert 0 <= s.liability.payable_yen <= terms.liability_limit_yen
    assert s.liability.payable_yen <= max(0, terms.liability_limit_yen - used_liability)
    assert 0 <= s.expenses.payable_yen <= terms.expense_limit_yen
    assert s.expenses.payable_yen <= max(0, terms.expense_limit_yen - used_expenses)
    assert s.liability.payable_yen <= s.liability.gross_yen
    assert s.expenses.payable_yen <= s.expenses.eligible_yen
    assert s.total_payable_yen == s.liability.payable_yen + s.expenses.payable_yen


@FAST
@given(policies(), stories())
def test_every_line_counts_between_nothing_and_its_amount_and_the_lines_sum_to_each_part(policy, events):
    s = statement_of(policy, events)
    assert all(0 <= line.counted_yen <= line.amount_yen for line in s.lines if line.type != "CondolenceSent")
    assert all(line.counted_yen >= 0 and line.rule for line in s.lines)
    assert sum(l.counted_yen for l in s.lines if l.part == "liability") == s.liability.gross_yen
    assert sum(l.counted_yen for l in s.lines if l.part == "expenses") == s.expenses.eligible_yen
    terms = parse_terms(policy)
    assert s.liability.third_party_yen <= terms.third_party_sublimit_yen
    assert s.liability.credit_card_yen <= terms.liability_limit_yen // 10


# -- monotonicity -------------------------------------------------------------------------


@FAST
@given(policies(), stories(), st.integers(0, 180), amounts,
       st.sampled_from(["ApologyAdPublished", "PressConferenceHeld", "consulting", "CondolenceSent"]))
def test_adding_an_eligible_in_window_expense_never_lowers_the_payable(policy, events, offset, cost, kind):
    before = statement_of(policy, events)
    paid_on = (before.accident_date + dt.timedelta(days=offset)).isoformat()
    extra = {
        "ApologyAdPublished": {"type": "ApologyAdPublished", "on": paid_on, "media": "web", "cost_yen": cost},
        "PressConferenceHeld": {"type": "PressConferenceHeld", "on": paid_on, "cost_yen": cost},
        "consulting": {"type": "ExpensePaid", "on": paid_on, "category": "consulting", "cost_yen": cost},
        "CondolenceSent": {"type": "CondolenceSent", "on": paid_on, "recipients": cost // 1_000, "per_person_yen": 500},
    }[kind]
    after = statement_of(policy, events + [extra])
    assert after.expenses.eligible_yen >= before.expenses.eligible_yen
    assert after.expenses.payable_yen >= before.expenses.payable_yen
    assert after.liability == before.liability
    assert after.total_payable_yen >= before.total_payable_yen


# -- voiding ---------------------------------------------------------------------------------


@FAST
@given(policies(), stories(), st.data())
def test_voiding_events_equals_never_having_recorded_them(policy, events, data):
    voidable = [e["id"] for e in events if "id" in e]
    gone = set(data.draw(st.lists(st.sampled_from(voidable), unique=True) if voidable else st.just([])))
    with_voids = events + [{"type": "EventVoided", "on": "2006-08-01", "event": ref, "reason": "test"}
                           for ref in sorted(gone)]
    never = [e for e in events
             if e.get("id") not in gone and not (e["type"] == "CoverageDecided" and e["event"] in gone)]
    assert numbers(statement_of(policy, with_voids)) == numbers(statement_of(policy, never))


# -- import, export, import ------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies(), stories(), st.data())
def test_import_export_import_gives_the_same_statement(tmp_path_factory, policy, events, data):
    voidable = [e["id"] for e in events if "id" in e]
    gone = data.draw(st.lists(st.sampled_from(voidable), unique=True, max_size=2) if voidable else st.just([]))
    events = events + [{"type": "EventVoided", "on": "2006-08-01", "event": ref, "reason": "test"} for ref in gone]
    events.append({"type": "NoteAdded", "on": "2006-08-02", "text": "checked", "note": "a note on a note"})
    events.append({"type": "ReminderSent", "at": "2005-06-03T09:00:00+09:00", "deadline": "insurer_notice",
                   "offset_days": 3, "to": ["staff@example.jp"], "due": "2005-06-06", "message_id": "<r1@casemgr.test>"})
    log = {"policy": policy, "incidents": [{"reference": "INC-1", "events": events}]}

    folder = tmp_path_factory.mktemp("roundtrip")
    first = build_app(Settings(f"sqlite:///{folder / 'one.sqlite'}"), clock=FixedClock(NOW))
    second = build_app(Settings(f"sqlite:///{folder / 'two.sqlite'}"), clock=FixedClock(NOW))
    try:
        original = first.import_log(log, OPERATOR).incidents["INC-1"]
        exported = first.export(original)
        copy_ = second.import_log(json.loads(json.dumps(exported)), OPERATOR).incidents["INC-1"]
        assert second.statement(copy_).statement == first.statement(original).statement
        assert second.deadlines(copy_) == first.deadlines(original)
        assert second.export(copy_) == exported
    finally:
        first.close()
        second.close()


# -- the caps that hold for the policy period, across incidents (§5.1, §5.2) ------------------------


def alone(events: list[dict]) -> Facts:
    return Facts(build(events).facts())


@st.composite
def capped_claims(draw) -> list[dict]:
    """An incident whose claims count: received in the period, in Japan, resolved (third-party and card
    claims most of all, so that the period's caps are reached)."""
    events: list[dict] = [copy.deepcopy(DISCOVERY)]
    for n in range(draw(st.integers(1, 3))):
        ref, received = f"K{n}", draw(day(dt.date(2005, 6, 1), 0, 300))
        events += [{"type": "ClaimReceived", "on": received, "claim_ref": ref,
                    "kind": draw(st.sampled_from(["third_party_expenses", "credit_card", "victims"])), "claimants": 1,
                    "amount_claimed_yen": 1, "forum": "japan", "lawsuit": False},
                   {"type": "ClaimResolved", "on": "2006-05-01", "claim_ref": ref, "outcome": "settlement",
                    "amount_yen": draw(st.integers(0, 40_000_000))}]
    return events


@FAST
@given(policies(), st.lists(st.one_of(capped_claims(), stories()), min_size=1, max_size=5))
def test_the_period_sublimits_and_aggregates_are_never_exceeded_across_any_number_of_incidents(policy, incidents):
    terms = parse_terms({**policy, "riders": ["credit_card", *policy["riders"]]} if "credit_card" not in policy["riders"]
                        else policy)
    used, said = Used(), []
    for events in incidents:
        s = statement(terms, alone(events), used)
        said.append(s)
        used = used.after(s)
    assert sum(s.liability.third_party_yen for s in said) <= terms.third_party_sublimit_yen
    assert sum(s.liability.credit_card_yen for s in said) <= terms.liability_limit_yen * 10 // 100
    assert sum(s.liability.payable_yen for s in said) <= terms.liability_limit_yen
    assert sum(s.expenses.payable_yen for s in said) <= terms.expense_limit_yen


@FAST
@given(policies(), stories(), st.integers(0, 3_000))
def test_the_condolence_lines_of_an_incident_never_count_more_than_500_yen_per_person_affected(policy, events,
                                                                                               affected):
    events = [{**events[0], "affected_count": affected}, *events[1:]]
    s = statement_of(policy, events)
    assert sum(line.counted_yen for line in s.lines if line.category == "condolence") <= 500 * affected


# -- other insurance (§5.4) ---------------------------------------------------------------------------


def other_policies():
    return st.builds(
        lambda n, part, limit, deductible, pct: {
            "type": "OtherInsuranceDeclared", "on": "2006-06-03", "insurer": f"Other {n}", "part": part,
            "limit_yen": limit, "deductible_yen": deductible, "coinsurance_pct": 100 if part == "liability" else pct},
        st.integers(0, 3), st.sampled_from(["liability", "expenses"]), amounts, amounts, st.integers(0, 100))


@FAST
@given(policies(), stories(), st.lists(other_policies(), max_size=4, unique_by=lambda e: (e["insurer"], e["part"])),
       st.integers(0, 400_000_000), st.integers(0, 40_000_000))
def test_the_apportioned_payable_is_never_above_the_own_payable_nor_the_loss(policy, events, others, used_liability,
                                                                             used_expenses):
    used = Used(used_liability, used_expenses)
    own = statement_of(policy, events, used)
    shared = statement_of(policy, events + others, used)
    for part, mine, theirs, loss in (
        ("liability", own.liability, shared.liability, own.liability.gross_yen),
        ("expenses", own.expenses, shared.expenses, own.expenses.eligible_yen),
    ):
        assert 0 <= theirs.payable_yen <= mine.payable_yen
        assert theirs.payable_yen <= loss
        apportioned = shared.apportionment(part)
        if any(o["part"] == part for o in others):
            assert (apportioned.loss_yen, apportioned.own_yen, apportioned.payable_yen) == (
                loss, mine.payable_yen, theirs.payable_yen)
        else:
            assert apportioned is None and theirs.payable_yen == mine.payable_yen
    assert shared.lines == own.lines
