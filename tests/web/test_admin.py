"""The admin page through the test client: programmes, businesses and users, only for an
admin, every change through the core's accounts with the acting admin."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, BOB, PASSWORD, ROOT, SATO, csrf

NEW_PASSWORD = "a long enough first password"


def accounts(client):
    return client.application.extensions["casemgr"].accounts


def log_in(client, email: str, password: str = PASSWORD):
    token = csrf(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": csrf(client, "/admin/")})


def test_the_admin_page_lists_programmes_businesses_with_contacts_and_users(client):
    log_in(client, ROOT)
    page = html.unescape(client.get("/admin/").get_data(as_text=True))
    for text in ("P1", "P2", "B1", "B2", "B1 株式会社", ALICE, BOB, SATO, ROOT):
        assert text in page
    assert re.search(r'data-user="sato@insurer.jp".*?P1', page, re.S)


def test_the_admin_page_lists_every_programme_and_business_even_without_users_or_policies(client):
    accounts(client).add_programme("P8", "八王子商工会", OPERATOR)
    accounts(client).ensure_business("B8", "八福商店", "retail", 0, OPERATOR)  # as an import creates it
    log_in(client, ROOT)
    page = client.get("/admin/").get_data(as_text=True)
    programmes, businesses = (page.split(f'id="{section}"')[1].split("</table>")[0]
                              for section in ("programmes", "businesses"))
    assert "八王子商工会" in programmes and "<td>P1</td>" in programmes and "<td>P8</td>" in programmes
    assert "八福商店" in businesses and "<td>B1</td>" in businesses and "<td>B8</td>" in businesses


def test_an_admin_adds_a_business_with_its_contacts_and_then_a_user_of_it(client):
    log_in(client, ROOT)
    response = post(client, "/admin/businesses", code="B7", name="七福商店", industry="retail",
                    annual_revenue_yen="50,000,000", contacts="info@b7.jp\nboss@b7.jp", lang="en")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "七福商店" in page and "info@b7.jp, boss@b7.jp" in page and "50,000,000" in page
    business = accounts(client).business("B7", OPERATOR)
    assert business.contacts == ("info@b7.jp", "boss@b7.jp") and business.lang == "en"

    response = post(client, "/admin/users", email="kato@b7.jp", role="insured", name="Kato", lang="ja",
                    password=NEW_PASSWORD, business="B7")
    assert response.status_code == 303
    assert "kato@b7.jp" in client.get("/admin/").get_data(as_text=True)
    user = accounts(client).user("kato@b7.jp", OPERATOR)
    assert (user.role, user.business, user.active) == ("insured", "B7", True)
    other = client.application.test_client()
    assert log_in(other, "kato@b7.jp", NEW_PASSWORD).status_code == 302


def test_an_admin_adds_a_programme_and_staff_for_it(client):
    log_in(client, ROOT)
    assert post(client, "/admin/programmes", code="P9", name="多摩商工会議所", insurer="X損保").status_code == 303
    assert post(client, "/admin/users", email="ito@insurer.jp", role="staff", name="Ito", lang="en",
                password=NEW_PASSWORD, programmes="P9, P1").status_code == 303
    assert accounts(client).user("ito@insurer.jp", OPERATOR).programmes == ("P9", "P1")
    assert "多摩商工会議所" in client.get("/admin/").get_data(as_text=True)


def test_a_deactivated_user_can_no_longer_log_in(client):
    log_in(client, ROOT)
    unconfirmed = post(client, "/admin/users/deactivate", email=ALICE)
    assert unconfirmed.status_code == 422 and accounts(client).user(ALICE, OPERATOR).active
    assert post(client, "/admin/users/deactivate", email=ALICE, confirm="yes").status_code == 303
    assert not accounts(client).user(ALICE, OPERATOR).active
    other = client.application.test_client()
    assert log_in(other, ALICE).status_code == 401


def test_an_admin_cannot_deactivate_itself(client):
    log_in(client, ROOT)
    assert post(client, "/admin/users/deactivate", email=ROOT, confirm="yes").status_code == 422
    assert accounts(client).user(ROOT, OPERATOR).active


@pytest.mark.parametrize("path, data, field", [
    ("/admin/businesses", {"code": "B1", "name": "again"}, "business-code"),
    ("/admin/businesses", {"code": "B8", "name": "x", "annual_revenue_yen": "-3"}, "business-annual_revenue_yen"),
    ("/admin/businesses", {"code": "B8", "name": "x", "contacts": "not-an-address"}, "business-contacts"),
    ("/admin/users", {"email": "x@b1.jp", "role": "insured", "lang": "ja", "password": "short",
                      "business": "B1"}, "user-password"),
    ("/admin/users", {"email": "y@b1.jp", "role": "insured", "lang": "ja", "password": NEW_PASSWORD,
                      "business": "NOPE"}, "user-"),
    ("/admin/programmes", {"code": "P1", "name": "again"}, "programme-code"),
])
def test_a_refused_form_shows_the_error_beside_its_field_and_stores_nothing(client, path, data, field):
    log_in(client, ROOT)
    before = [u.email for u in accounts(client).list_users(OPERATOR)]
    response = post(client, path, **data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="{field}' in body
    assert [u.email for u in accounts(client).list_users(OPERATOR)] == before
    if "B8" in data.values():
        with pytest.raises(Exception):
            accounts(client).business("B8", OPERATOR)


def test_a_post_without_its_csrf_token_is_refused(client):
    log_in(client, ROOT)
    response = client.post("/admin/users/deactivate", data={"email": ALICE, "confirm": "yes"})
    assert response.status_code == 400 and accounts(client).user(ALICE, OPERATOR).active
    assert client.post("/admin/programmes", data={"code": "P5", "name": "x"}).status_code == 400


ROUTES = [("GET", "/admin/"), ("POST", "/admin/programmes"), ("POST", "/admin/businesses"),
          ("POST", "/admin/businesses/contacts"), ("POST", "/admin/users"), ("POST", "/admin/users/deactivate")]


@pytest.mark.parametrize("who, expected", [(ALICE, 404), (BOB, 404), (SATO, 404), (ROOT, None)])
def test_only_an_admin_finds_the_admin_routes(client, who, expected):
    log_in(client, who)
    for method, path in ROUTES:
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = post(client, path, code="P6", name="x", email=BOB, confirm="yes", contacts="a@b.jp").status_code \
                if who != ROOT else None
        if who == ROOT:
            if method == "GET":
                assert status == 200
            continue
        assert status == expected, (method, path)
    if who != ROOT:
        assert accounts(client).user(BOB, OPERATOR).active


def test_the_admin_page_needs_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_page_shows_each_programmes_reminder_days(client):
    service = client.application.extensions["casemgr"].service
    service.import_programme(OPERATOR, {"code": "P9", "name": "九日会", "period_start": "2005-04-01T16:00:00+09:00",
                                        "period_end": "2006-04-01T16:00:00+09:00", "patterns": ["B"],
                                        "reminder_offsets": [9, 1]})
    log_in(client, ROOT)
    page = client.get("/admin/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    own = re.search(r'data-programme="P9".*?class="offsets">(.*?)</td>', page, re.S).group(1)
    default = re.search(r'data-programme="P1".*?class="offsets">(.*?)</td>', page, re.S).group(1)
    assert own.strip() == "9, 1"
    assert default.startswith("7, 3, 1, 0") and "(default)" in default  # root reads English
