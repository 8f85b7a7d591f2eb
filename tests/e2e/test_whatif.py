"""What-if in a real browser (DOMAIN §12): a staff user (in Japanese) and the admin (in English)
open a demo incident, follow the statement's link to what-if, and read the columns A–E and the
policy's own, each figure the core's (``casemgr whatif --json``) and in each column the cap that
binds marked. The Tama case has another insurer's expense cover declared (§5.4): under C–E the
sharing binds its expense part. Screenshots ``whatif-ja.png`` and ``whatif-en.png``
(docs/screenshots with CASEMGR_SCREENSHOTS=docs/screenshots)."""

from __future__ import annotations

import re

import pytest

from casemgr.formatting import whatif_json
from casemgr.rules.coverage import CREDIT_CARD_CAP_PCT
from casemgr.texts import localize
from tests.conftest import OPERATOR
from tests.e2e.conftest import log_in
from tests.e2e.test_story import shot

# The page's rows in order: the core's figure in a column, and the caps (part, binds) that mark the row.
ROWS = [
    (lambda c: c["liability_limit_yen"], {("liability", "liability_limit")}),
    (lambda c: c["third_party_sublimit_yen"], {("liability", "third_party_sublimit")}),
    (lambda c: c["liability_limit_yen"] * CREDIT_CARD_CAP_PCT // 100, {("liability", "credit_card_cap")}),
    (lambda c: c["liability"]["aggregate_left_yen"], {("liability", "liability_aggregate")}),
    (lambda c: c["liability"]["gross_yen"], set()),
    (lambda c: c["liability"]["payable_yen"], {("liability", "other_insurance")}),
    (lambda c: c["expense_limit_yen"], {("expenses", "expense_limit")}),
    (lambda c: c["expenses"]["aggregate_left_yen"], {("expenses", "expense_aggregate")}),
    (lambda c: c["expenses"]["eligible_yen"], {("expenses", "consulting_cap"), ("expenses", "condolence_cap")}),
    (lambda c: c["expenses"]["payable_yen"], {("expenses", "other_insurance")}),
    (lambda c: c["total_payable_yen"], set()),
]
READ_TABLE = """() => [...document.querySelectorAll('table.whatif tr')].map(tr => [...tr.children].map(
    cell => ({text: cell.innerText.trim(), binds: cell.classList.contains('binds')})))"""


def yen_of(text: str) -> int:
    """12,345,678円 ◀ or ¥12,345,678 → 12345678."""
    assert re.fullmatch(r"¥?[\d,]+円?( ◀)?", text), text
    return int(re.sub(r"\D", "", text))


@pytest.mark.parametrize(("ref", "who", "lang", "picture"), [
    ("SK-2005-0001/INC-1", "staff", "ja", "whatif-ja"),
    ("TAMA-2005-0042/INC-1", "staff", "ja", "whatif-other-insurance-ja"),
    ("TAMA-2005-0042/INC-1", "admin", "en", "whatif-en"),
])
def test_from_the_statement_what_if_shows_the_core_figures_and_marks_the_cap_that_binds(
        live_server, page_for, ref, who, lang, picture):
    base, logins, core = live_server
    page = page_for("ja-JP" if lang == "ja" else "en-US")  # the demo staff read Japanese, the admin English
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, logins[who].email)
    page.goto(f"{base}/incidents/{ref}")
    shared = core.service.statement(OPERATOR, ref).statement.apportionment("expenses")
    if shared:  # the statement shows the sharing with the other insurance, with the core's figures
        rows = page.locator("#statement tr.apportionment").all_inner_texts()
        figures = [shared.loss_yen, shared.own_yen, *(o.share_yen for o in shared.others)]
        assert [int(re.sub(r"\D", "", row.split("\t")[-1])) for row in rows[:len(figures)]] == figures
    with page.expect_navigation():
        page.click("#statement a[href$='/whatif']")
    assert page.url.endswith(f"/incidents/{ref}/whatif")

    expected = whatif_json(core.service.whatif(OPERATOR, ref))["columns"]
    assert [c["column"] for c in expected] == ["A", "B", "C", "D", "E", "policy"]
    header, *rows = page.evaluate(READ_TABLE)
    this_policy, pattern = ("この保険", "パターン{}") if lang == "ja" else ("This policy", "Pattern {}")
    assert all(h["text"].startswith(pattern.format(c["column"])) for h, c in zip(header[1:-1], expected))
    assert header[-1]["text"].startswith(this_policy)
    assert len(rows) == len(ROWS) + 2
    for (figure, marks), row in zip(ROWS, rows):
        assert [yen_of(cell["text"]) for cell in row[1:]] == [figure(c) for c in expected], row[0]["text"]
    for n, c in enumerate(expected, start=1):
        binds = {("liability", c["liability"]["binds"]), ("expenses", c["expenses"]["binds"])}
        marked = [i for i, row in enumerate(rows[:len(ROWS)]) if row[n]["binds"]]
        assert marked == [i for i, (_, marks) in enumerate(ROWS) if marks & binds], c["column"]
        assert all(row[n]["text"].endswith(" ◀") == row[n]["binds"] for row in rows[:len(ROWS)])
        for part, row in (("liability", rows[-2]), ("expenses", rows[-1])):
            assert localize(c[part]["rule"], lang) in row[n]["text"]
    assert any(c["liability"]["binds"] or c["expenses"]["binds"] for c in expected)  # something to mark
    if ref.startswith("TAMA"):  # its other insurance decides the expense part under C–E
        assert [c["expenses"]["binds"] == "other_insurance" for c in expected] == [False, False, True, True, True, False]

    # Nothing left in English on the Japanese page (the names of the incident and the insurer aside),
    # and the table fits the page.
    text = page.inner_text("main")
    if lang == "ja":
        assert set(re.findall(r"[A-Za-z]{2,}", text)) <= {"SK", "INC", "TAMA", "EX"}, text
    assert page.evaluate("() => document.querySelector('table.whatif').scrollWidth"
                         " <= document.querySelector('#whatif').clientWidth")
    shot(page, picture)
    assert not errors, errors
