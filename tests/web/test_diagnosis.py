"""The risk diagnosis pages through the test client, on SQLite and PostgreSQL, with the users of
conftest (Alice of B1 in P1, Bob of B2 in P2, Sato staff of P1, Root admin): every route × every
caller (another business's diagnosis is a 404), CSRF, answers saved as one goes (htmx) or by the
form, a refused answer or an early finish shown beside its question with nothing stored, the
report with its radar and the previous diagnosis, the PDF, and the staff overview."""

from __future__ import annotations

import html
import re

import pytest

from casemgr.diagnosis import QUESTIONS
from events.values import Actor
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, ROOT, SATO, csrf, login

HX = {"HX-Request": "true"}
EVERY = [q.id for q in QUESTIONS]
ALICE_ACTOR = Actor("insured", ALICE, business="B1")


def diagnoses(client):
    return client.application.extensions["casemgr"].diagnosis


def complete(client, business: str, value: int = 2, **changes: int):
    return diagnoses(client).answer(OPERATOR, business, {q: changes.get(q, value) for q in EVERY}, complete=True)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture
def taken(client):
    """B1 and B2 each with one completed diagnosis."""
    complete(client, "B1", 1)
    complete(client, "B2", 3)
    return client


# -- who may see what ------------------------------------------------------------------------------

ROUTES = [("GET", "/diagnosis/{b}/"), ("POST", "/diagnosis/{b}/start"), ("GET", "/diagnosis/{b}/1"),
          ("POST", "/diagnosis/{b}/1"), ("GET", "/diagnosis/{b}/1/report"), ("GET", "/diagnosis/{b}/1/report.pdf")]
CALLERS = [(ALICE, "B1", True), (ALICE, "B2", False), (BOB, "B2", True), (BOB, "B1", False),
           (SATO, "B1", True), (SATO, "B2", False), (ROOT, "B1", True), (ROOT, "B2", True), (ROOT, "NOPE", False)]


# Every route for every caller; of the PDFs that are made, Alice's only (each takes a second or two).
CASES = [(method, route, email, business, sees) for method, route in ROUTES for email, business, sees in CALLERS
         if not (route.endswith(".pdf") and sees and email != ALICE)]


@pytest.mark.parametrize("method, route, email, business, sees", CASES)
def test_each_route_for_each_caller(taken, method, route, email, business, sees):
    client = login(taken, email)
    path = route.format(b=business)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf(client, "/diagnosis/"), "appi-1": "2"})
    if not sees:
        assert response.status_code == 404, (path, response.status_code)
        assert f"{business} 株式会社" not in response.get_data(as_text=True)  # nothing of it is shown
        return
    expected = {"/diagnosis/{b}/": 200, "/diagnosis/{b}/start": 302, "/diagnosis/{b}/1": 302,
                "/diagnosis/{b}/1/report": 200, "/diagnosis/{b}/1/report.pdf": 200}[route]
    if (method, route) == ("POST", "/diagnosis/{b}/1"):
        expected = 422  # diagnosis 1 is complete: no more answers to it
    assert response.status_code == expected, (path, response.get_data(as_text=True)[:400])


def test_nobody_logged_in_is_sent_to_the_login_page_and_stores_nothing(taken):
    for method, route in ROUTES:
        path = route.format(b="B1")
        response = taken.get(path) if method == "GET" else taken.post(path, data={"appi-1": "2"})
        if method == "GET":
            assert response.status_code == 302 and "/login" in response.location, path
        else:
            assert response.status_code in (302, 400), path  # no session, no CSRF token
    assert len(diagnoses(taken).diagnoses(OPERATOR, "B1")) == 1


def test_an_insured_user_goes_to_its_own_business_and_staff_to_the_overview(taken):
    login(taken, ALICE)
    assert taken.get("/diagnosis/").location.endswith("/diagnosis/B1/")
    staff = login(taken.application.test_client(), SATO)
    assert staff.get("/diagnosis/").status_code == 200


def test_the_menu_links_to_the_diagnosis(client):
    login(client, ALICE)
    assert 'href="/diagnosis/"' in client.get("/incidents/").get_data(as_text=True)


# -- taking it ------------------------------------------------------------------------------------


def test_an_insured_user_starts_answers_as_it_goes_and_finishes(client):
    login(client, ALICE)
    page = client.get("/diagnosis/B1/").get_data(as_text=True)
    assert "リスク診断" in page and "診断を始める" in page
    token = csrf(client, "/diagnosis/B1/")
    started = client.post("/diagnosis/B1/start", data={"csrf_token": token})
    assert started.location.endswith("/diagnosis/B1/1")
    form = client.get("/diagnosis/B1/1").get_data(as_text=True)
    assert form.count('type="radio"') == 5 * len(EVERY)
    assert "個人情報保護法対応" in form and "できていて、確認もしている" in form and 'hx-trigger="change"' in form
    # htmx: saved on each change, answered with the progress line.
    saved = client.post("/diagnosis/B1/1", data={"csrf_token": token, "appi-1": "3"}, headers=HX)
    assert saved.status_code == 200
    assert "45問中1問回答済み" in saved.get_data(as_text=True) and 'id="progress"' in saved.get_data(as_text=True)
    assert diagnoses(client).diagnosis(ALICE_ACTOR, "B1", 1).answers == {"appi-1": 3}
    # Without JavaScript: every answer and "finish".
    data = {"csrf_token": token, "action": "finish"} | {q: "4" for q in EVERY} | {"access-1": "0"}
    done = client.post("/diagnosis/B1/1", data=data)
    assert done.status_code == 302 and done.location.endswith("/diagnosis/B1/1/report")
    report = client.get(done.location).get_data(as_text=True)
    assert "個人情報管理リスク評価報告書" in report and "<svg" in report and 'class="current"' in report
    assert 'id="overall-score">98<' in report  # (75 + 10 × 100) / 11 = 97.7
    assert "アクセス制御" in report and "パソコンや業務システムのIDを一人一つにし" in report  # the next step for access-1
    assert 'class="previous"' not in report  # no earlier diagnosis to overlay
    assert client.get("/diagnosis/B1/1").location.endswith("/diagnosis/B1/1/report")


def test_saving_without_javascript_goes_back_to_the_form_with_the_answers_kept(client):
    login(client, ALICE)
    token = csrf(client, "/diagnosis/B1/")
    client.post("/diagnosis/B1/start", data={"csrf_token": token})
    saved = client.post("/diagnosis/B1/1", data={"csrf_token": token, "action": "save", "policy-2": "1"},
                        follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "回答を保存しました" in page
    assert re.search(r'name="policy-2" value="1" checked', page)


@pytest.mark.parametrize("value", ["7", "-1", "two", "2.5", ""])
def test_an_answer_off_the_scale_is_shown_beside_its_question_and_nothing_is_stored(client, value):
    login(client, ALICE)
    token = csrf(client, "/diagnosis/B1/")
    client.post("/diagnosis/B1/start", data={"csrf_token": token})
    refused = client.post("/diagnosis/B1/1", data={"csrf_token": token, "appi-1": "2", "appi-3": value})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "0〜4のいずれかを選んでください" in page and 'class="question has-error" id="q-appi-3"' in page
    assert "何も保存していません" in page
    assert diagnoses(client).diagnosis(ALICE_ACTOR, "B1", 1).answers == {}
    htmx = client.post("/diagnosis/B1/1", data={"csrf_token": token, "appi-3": value}, headers=HX)
    assert htmx.status_code == 422 and 'id="progress"' in htmx.get_data(as_text=True)


def test_finishing_early_marks_the_unanswered_questions_and_stores_nothing(client):
    login(client, ALICE)
    token = csrf(client, "/diagnosis/B1/")
    client.post("/diagnosis/B1/start", data={"csrf_token": token})
    client.post("/diagnosis/B1/1", data={"csrf_token": token, "appi-1": "1"}, headers=HX)
    data = {"csrf_token": token, "action": "finish"} | {q: "3" for q in EVERY[:-2]}
    refused = client.post("/diagnosis/B1/1", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "未回答の質問が2問あります" in page
    assert page.count("この質問に回答してください") == 2 and 'id="q-compliance-4"' in page
    assert re.search(r'name="appi-2" value="3" checked', page)  # what was chosen is still chosen
    found = diagnoses(client).diagnosis(ALICE_ACTOR, "B1", 1)
    assert found.answers == {"appi-1": 1} and not found.complete


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(client):
    login(client, ALICE)
    assert client.post("/diagnosis/B1/start").status_code == 400
    assert diagnoses(client).diagnoses(ALICE_ACTOR, "B1") == []
    token = csrf(client, "/diagnosis/B1/")
    client.post("/diagnosis/B1/start", data={"csrf_token": token})
    assert client.post("/diagnosis/B1/1", data={"appi-1": "2"}, headers=HX).status_code == 400
    assert client.post("/diagnosis/B1/1", data={"appi-1": "2", "csrf_token": "forged"}).status_code == 400
    assert diagnoses(client).diagnosis(ALICE_ACTOR, "B1", 1).answers == {}


def test_starting_twice_goes_to_the_one_in_progress(client):
    login(client, ALICE)
    token = csrf(client, "/diagnosis/B1/")
    first = client.post("/diagnosis/B1/start", data={"csrf_token": token}).location
    assert client.post("/diagnosis/B1/start", data={"csrf_token": token}).location == first
    assert "診断1の続きを回答する" in client.get("/diagnosis/B1/").get_data(as_text=True)


def test_an_unknown_diagnosis_number_is_a_404(taken):
    login(taken, ALICE)
    for path in ("/diagnosis/B1/2", "/diagnosis/B1/0", "/diagnosis/B1/2/report", "/diagnosis/B1/2/report.pdf"):
        assert taken.get(path).status_code == 404, path


# -- the report ----------------------------------------------------------------------------------------


def test_the_report_overlays_the_previous_diagnosis_in_english_for_an_english_user(client):
    complete(client, "B2", 1)
    complete(client, "B2", 3, **{"policy-1": 0})
    login(client, BOB)
    page = client.get("/diagnosis/B2/2/report").get_data(as_text=True)
    assert "Personal information risk assessment report" in page and 'class="previous"' in page
    assert "Previous (#1): 25" in text_of(page) and "previous 25" in text_of(page)
    assert "Information security policy" in page and "Your answer" not in page
    assert "One page is enough: write your commitment" in page  # the next step for policy-1
    assert page.count('class="area-report"') == 11
    assert "/diagnosis/B2/2/report.pdf" in page


def test_no_report_before_completion(client):
    login(client, ALICE)
    token = csrf(client, "/diagnosis/B1/")
    client.post("/diagnosis/B1/start", data={"csrf_token": token})
    assert client.get("/diagnosis/B1/1/report").status_code == 422
    assert client.get("/diagnosis/B1/1/report.pdf").status_code == 422


def test_the_pdf_downloads_as_a_pdf(taken):
    login(taken, ALICE)
    response = taken.get("/diagnosis/B1/1/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and b"NotoSansCJK" in response.data
    assert response.headers["Content-Disposition"] == 'attachment; filename="risk-report-B1-1.pdf"'


def test_without_a_japanese_font_the_pdf_is_refused_with_what_to_install(taken, monkeypatch):
    from casemgr import diagnosis_pdf

    def missing(style=""):
        raise diagnosis_pdf.FontMissing("no Japanese font for the PDF: install Noto Sans CJK (fonts-noto-cjk)")

    monkeypatch.setattr(diagnosis_pdf, "find_font", missing)
    login(taken, ALICE)
    response = taken.get("/diagnosis/B1/1/report.pdf")
    assert response.status_code == 503 and "fonts-noto-cjk" in response.get_data(as_text=True)


# -- the staff overview --------------------------------------------------------------------------------


def test_staff_see_their_businesses_and_the_bands_per_area(taken):
    complete(taken, "B1", 4, **{"appi-1": 0, "appi-2": 0})  # the latest of B1: appi 60, the others 100
    login(taken, SATO)
    page = taken.get("/diagnosis/").get_data(as_text=True)
    assert "担当事業者のリスク診断" in page and "/diagnosis/B1/" in page and "/diagnosis/B2/" not in page
    row = re.search(r"<tr>\s*<td>1\. 個人情報保護法対応</td>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["0", "1", "0"]  # needs work
    assert '<svg class="bar"' in page and "/diagnosis/B1/2/report" in page
    everyone = login(taken.application.test_client(), ROOT).get("/diagnosis/").get_data(as_text=True)
    assert "/diagnosis/B1/" in everyone and "/diagnosis/B2/" in everyone


def test_a_staff_user_may_take_the_diagnosis_for_a_business_of_its_programme(taken):
    login(taken, SATO)
    token = csrf(taken, "/diagnosis/")
    started = taken.post("/diagnosis/B1/start", data={"csrf_token": token})
    assert started.location.endswith("/diagnosis/B1/2")
    assert diagnoses(taken).diagnosis(ALICE_ACTOR, "B1", 2).started_by == SATO
