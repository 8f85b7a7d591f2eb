"""DOMAIN §12: the statement under each pattern A–E and the policy's own terms, side by side, with
the cap that binds each part; read only. The seed is pattern D: liability 80,000,000 gross
(79,900,000 after the deductible), expenses 10,000,000 eligible (8,910,000 after coinsurance)."""

from __future__ import annotations

import pytest

from casemgr.bootstrap import bootstrap
from casemgr.errors import NotFound
from casemgr.formatting import whatif_json
from casemgr.rules.whatif import with_pattern
from casemgr.settings import Settings
from events.policy import parse_terms
from events.values import Actor
from tests.app.builders import claim, condolence, import_one, resolved, with_discovery, with_events, with_incident, \
    with_policy, without
from tests.conftest import OPERATOR
from tests.web.conftest import incident_log


def columns(app, log, reference: str = "INC-1") -> dict:
    incident = app.import_log(log, OPERATOR).incidents[reference]
    return {c.name: c for c in app.whatif(incident).columns}


def test_the_seed_under_each_pattern_and_its_own_terms(app, seed_log):
    found = columns(app, seed_log)
    assert list(found) == ["A", "B", "C", "D", "E", "policy"]
    assert [found[p].liability.payable_yen for p in "ABCDE"] == [10_000_000, 30_000_000, 50_000_000,
                                                               79_900_000, 79_900_000]
    assert [found[p].expenses.payable_yen for p in "ABCDE"] == [1_000_000, 3_000_000, 5_000_000,
                                                              8_910_000, 8_910_000]
    assert [found[p].liability.binds for p in "ABCDE"] == ["liability_limit"] * 3 + [None] * 2
    assert [found[p].expenses.binds for p in "ABCDE"] == ["expense_limit"] * 3 + [None] * 2
    assert found["A"].liability.rule == "the limit 10,000,000 (per claim and for the period) binds"
    assert found["policy"].statement == found["D"].statement  # the policy is pattern D: the same statement
    assert found["policy"].statement.total_payable_yen == 88_810_000
    assert [p for p, c in found.items() if c.policy_limits] == ["D", "policy"]


def test_a_pattern_column_keeps_the_policys_deductible_coinsurance_and_riders(seed_log):
    terms = parse_terms(with_policy(seed_log, deductible_yen=500_000, expense_coinsurance_pct=80,
                                    riders=["network"])["policy"])
    a = with_pattern(terms, "A")
    assert (a.liability_limit_yen, a.third_party_sublimit_yen, a.expense_limit_yen) == (10_000_000, 1_000_000, 1_000_000)
    assert (a.deductible_yen, a.expense_coinsurance_pct, a.riders, a.period_start) == (
        500_000, 80, ("network",), terms.period_start)


def test_each_column_uses_up_its_own_aggregate_with_the_earlier_incidents(app, seed_log):
    later = [{"type": "LeakDiscovered", "on": "2005-10-01", "summary": "A laptop was stolen", "cause": "negligence",
              "media": "electronic", "data_items": ["name"], "affected_count": 500},
             claim("C1", "2005-10-02"), resolved("C1", "2005-12-01", 40_000_000)]
    found = columns(app, with_incident(seed_log, "INC-2", later), "INC-2")
    assert found["A"].liability.payable_yen == 0  # INC-1 used all of A's 10,000,000
    assert found["A"].liability.binds == "liability_aggregate"
    assert found["C"].statement.liability.aggregate_left_yen == 0
    assert found["D"].liability.payable_yen == 100_000_000 - 79_900_000
    assert found["D"].liability.binds == "liability_aggregate"
    assert "20,100,000 left of 100,000,000" in found["D"].liability.rule
    assert (found["E"].liability.payable_yen, found["E"].liability.binds) == (39_900_000, None)


def test_the_earlier_incident_is_not_changed_by_a_later_one(app, seed_log):
    later = [{"type": "LeakDiscovered", "on": "2005-10-01", "summary": "A laptop was stolen", "cause": "negligence",
              "media": "electronic", "data_items": ["name"], "affected_count": 500},
             claim("C1", "2005-10-02"), resolved("C1", "2005-12-01", 40_000_000)]
    found = columns(app, with_incident(seed_log, "INC-2", later), "INC-1")
    assert found["A"].liability.binds == "liability_limit"


def _third_party_only(seed_log, amount: int):
    log = without(seed_log, "ClaimReceived", "DefenceCostPaid", "ClaimResolved")
    return with_events(log, claim("T1", "2005-10-01", kind="third_party_expenses"), resolved("T1", "2005-12-25", amount))


def test_the_third_party_sublimit_binds_in_the_small_patterns(app, seed_log):
    found = columns(app, _third_party_only(seed_log, 4_000_000))
    assert [found[p].liability.binds for p in "ABCDE"] == ["third_party_sublimit"] * 2 + [None] * 3
    assert [found[p].liability.payable_yen for p in "ABC"] == [900_000, 2_900_000, 3_900_000]
    assert found["B"].liability.rule == "the third-party sublimit 3,000,000 (per claim and for the period) binds"


def test_the_condolence_cap_binds_the_expenses_whatever_the_pattern(app, seed_log):
    log = with_events(with_discovery(seed_log, affected_count=100), condolence("2005-06-20", 200, 500))
    log = without(log, "IndividualsNotified")
    found = columns(app, log)
    assert {found[p].expenses.binds for p in ("A", "E", "policy")} == {"condolence_cap"}


def test_other_insurance_binds_where_the_limit_leaves_more_than_the_share(app, seed_log):
    other = {"type": "OtherInsuranceDeclared", "on": "2005-07-01", "insurer": "Other Mutual PL-9", "part": "liability",
             "limit_yen": 50_000_000, "deductible_yen": 0}
    found = columns(app, with_events(seed_log, other))
    assert found["A"].liability.binds == "liability_limit"  # 10M + 50M <= 80M: A pays its own
    assert found["C"].liability.binds == "other_insurance"
    assert found["C"].liability.payable_yen == 80_000_000 * 50_000_000 // 100_000_000
    assert found["policy"].liability.payable_yen == 49_207_082
    assert "79,900,000 becomes 49,207,082" in found["policy"].liability.rule


def test_whatif_records_nothing(app, seed_log):
    incident = import_one(app, seed_log)
    before = app.history(incident)
    app.whatif(incident)
    assert app.history(incident) == before


def test_the_json_names_every_column_its_limits_and_the_cap_that_binds(app, seed_log):
    incident = import_one(app, seed_log)
    data = whatif_json(app.whatif(incident))
    assert data["reference"] == "SK-2005-0001/INC-1" and data["version"] == 8
    first = data["columns"][0]
    assert (first["column"], first["pattern"], first["liability_limit_yen"], first["third_party_sublimit_yen"],
            first["expense_limit_yen"], first["deductible_yen"]) == ("A", "A", 10_000_000, 1_000_000, 1_000_000, 100_000)
    assert first["liability"] | {"rule": None} == {"gross_yen": 80_000_000, "net_yen": 79_900_000,
                                                   "aggregate_left_yen": 10_000_000, "payable_yen": 10_000_000,
                                                   "binds": "liability_limit", "rule": None}
    last = data["columns"][-1]
    assert (last["column"], last["pattern"], last["policy_limits"], last["total_payable_yen"]) == (
        "policy", "D", True, 88_810_000)


@pytest.fixture
def service_with_two(sqlite_url, clock, tmp_path):
    """The service over two businesses' incidents: SK-1/INC-1 (B1) and SK-2/INC-1 (B2)."""
    core = bootstrap(Settings(sqlite_url, instance=str(tmp_path / "instance")), clock=clock)
    core.service.import_log(OPERATOR, incident_log("SK-1", "P1", "B1"))
    core.service.import_log(OPERATOR, incident_log("SK-2", "P2", "B2"))
    yield core.service
    core.close()


def test_whatif_is_refused_as_not_found_to_whoever_may_not_read_the_statement(service_with_two):
    service = service_with_two
    bob = Actor("insured", "bob@b2.jp", business="B2")
    assert service.whatif(bob, "SK-2/INC-1").incident.reference == "INC-1"
    with pytest.raises(NotFound) as refused:
        service.whatif(bob, "SK-1/INC-1")
    with pytest.raises(NotFound) as missing:
        service.whatif(bob, "SK-1/INC-404")
    assert refused.value.field == missing.value.field == "incident"
    staff = Actor("staff", "sato@insurer.jp", programmes=frozenset({"P1"}))
    assert len(service.whatif(staff, "SK-1/INC-1").columns) == 6
    with pytest.raises(NotFound):
        service.whatif(staff, "SK-2/INC-1")
