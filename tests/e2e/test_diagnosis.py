"""The risk diagnosis in a real browser: the demo business's insured user takes it (each answer
saved through htmx as it is chosen), finishes, reads the report and downloads the PDF; the
admin (in English) takes it again and sees the previous one overlaid; staff see the overview.
Screenshots of the questionnaire and the report in both languages (docs/screenshots with
CASEMGR_SCREENSHOTS=docs/screenshots)."""

from __future__ import annotations

from casemgr.diagnosis import QUESTIONS
from tests.conftest import OPERATOR
from tests.e2e.conftest import SCREENSHOTS, log_in

BUSINESS = "DEMO-0007"


def shot(page, name: str, height: int = 900) -> None:
    """A screenshot of the top of the page, ``height`` pixels tall (the report's chart needs 1,500)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": height})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def answer_all(page, value_of) -> None:  # type: ignore[no-untyped-def]
    """Choose an answer for every question as a person would (a click each); each change is
    saved by htmx, and the progress line follows."""
    for n, question in enumerate(QUESTIONS):
        page.check(f"input[name='{question.id}'][value='{value_of(n)}']")
    page.wait_for_function(
        "n => /(45問中45問|45 of 45)/.test(document.querySelector('#progress').innerText)", arg=len(QUESTIONS))


def test_a_business_takes_the_diagnosis_reads_its_report_and_takes_it_again(live_server, page_for, tmp_path):
    base, logins, core = live_server
    page = page_for("ja-JP")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, base, logins["insured"].email)

    # The menu leads to the business's page; start the diagnosis.
    page.click("header nav >> text=リスク診断")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/diagnosis/{BUSINESS}/")
    with page.expect_navigation():
        page.click("button:has-text(\"診断を始める\")")
    assert page.url.endswith(f"/diagnosis/{BUSINESS}/1")

    # Answer: each choice is saved at once (no reload), as the progress line says.
    marker = page.evaluate("() => { window.__same_page = 7; return window.__same_page }")
    page.check("input[name='appi-1'][value='2']")
    page.wait_for_function("() => document.querySelector('#progress').innerText.includes('保存しました')")
    assert core.diagnosis.diagnoses(OPERATOR, BUSINESS)[0].answers == {"appi-1": 2}
    shot(page, "diagnosis-questionnaire-ja")
    answer_all(page, lambda n: (n * 3 + 1) % 5 if n % 4 else 1)
    assert page.evaluate("() => window.__same_page") == marker  # all through htmx
    assert len(core.diagnosis.diagnoses(OPERATOR, BUSINESS)[0].answers) == len(QUESTIONS)

    # Finish: the report.
    with page.expect_navigation():
        page.click("button:has-text(\"回答を終えて報告書を見る\")")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/diagnosis/{BUSINESS}/1/report")
    report = core.diagnosis.report(OPERATOR, BUSINESS)
    assert page.inner_text("#overall-score") == str(report.overall)
    assert "個人情報管理リスク評価報告書" in page.inner_text("main")
    assert page.locator("svg.radar polygon.current").count() == 1
    assert page.locator("article.area-report").count() == 11
    shot(page, "diagnosis-report-ja", height=1500)

    # The PDF.
    with page.expect_download() as download:
        page.click("text=PDFをダウンロード")
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"risk-report-{BUSINESS}-1.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    assert not errors, errors

    # The admin, in English, takes it again for the business: the report overlays the first.
    admin = page_for("en-US")
    log_in(admin, base, logins["admin"].email)
    admin.goto(f"{base}/diagnosis/{BUSINESS}/")
    with admin.expect_navigation():
        admin.click("button:has-text(\"Take the diagnosis again\")")
    assert admin.url.endswith(f"/diagnosis/{BUSINESS}/2")
    admin.check("input[name='appi-1'][value='3']")
    admin.wait_for_function("() => document.querySelector('#progress').innerText.includes('saved')")
    shot(admin, "diagnosis-questionnaire-en")
    answer_all(admin, lambda n: min(4, (n * 3 + 1) % 5 + 2))
    with admin.expect_navigation():
        admin.click("button:has-text(\"Finish and see the report\")")
    admin.wait_for_load_state("networkidle")
    assert admin.locator("svg.radar polygon.previous").count() == 1
    assert "Previous (#1)" in admin.inner_text("main")
    shot(admin, "diagnosis-report-en", height=1500)

    # Staff: their businesses counted by band (the seeds' two businesses took it from the console).
    for business, value_of in (("SK-2005-0001", lambda n: n % 3), ("TAMA-0042", lambda n: (n * 7 + 3) % 5)):
        core.diagnosis.answer(OPERATOR, business, {q.id: value_of(n) for n, q in enumerate(QUESTIONS)},
                              complete=True)
    staff = page_for("ja-JP")
    log_in(staff, base, logins["staff"].email)
    staff.goto(f"{base}/diagnosis/")
    assert BUSINESS in staff.inner_text("main") and staff.locator("svg.bar").count() == 12
    assert staff.locator("table.businesses tbody tr").count() == 3
    shot(staff, "diagnosis-staff-ja")
