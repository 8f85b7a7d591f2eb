"""The web app through Flask's test client, on a fresh store (SQLite, and PostgreSQL for
the tests that take ``store_url``), with one user of each role:

* ``alice@b1.jp`` insured of business B1 (programme P1), owning SK-1/INC-1;
* ``bob@b2.jp``   insured of business B2 (programme P2), owning SK-2/INC-1;
* ``sato@insurer.jp`` staff of programme P1; ``root@insurer.jp`` admin.

``login(client, email)`` logs a client in; ``csrf(client, path)`` reads the page's token."""

from __future__ import annotations

import re

import pytest

from casemgr.settings import Settings
from tests.conftest import OPERATOR
from web import create_app

PASSWORD = "correct horse battery staple"
ALICE, BOB, SATO, ROOT = "alice@b1.jp", "bob@b2.jp", "sato@insurer.jp", "root@insurer.jp"
OWN, OTHER = "SK-1/INC-1", "SK-2/INC-1"


def incident_log(number: str, programme: str, business: str) -> dict:
    return {
        "policy": {"number": number, "programme": programme, "pattern": "D",
                   "insured": {"code": business, "name": f"{business} 株式会社"},
                   "period_start": "2005-04-01T16:00:00+09:00", "period_end": "2006-04-01T16:00:00+09:00"},
        "incidents": [{"reference": "INC-1", "events": [
            {"type": "LeakDiscovered", "on": "2005-06-01", "summary": "顧客名簿の入ったUSBメモリを紛失", "cause": "negligence",
             "media": "electronic", "data_items": ["name", "address"], "affected_count": 1200},
        ]}],
    }


@pytest.fixture
def web_app(store_url, clock, tmp_path):
    app = create_app(Settings(store_url, instance=str(tmp_path / "instance")), clock=clock,
                     config={"TESTING": True})
    core = app.extensions["casemgr"]
    core.service.import_log(OPERATOR, incident_log("SK-1", "P1", "B1"))
    core.service.import_log(OPERATOR, incident_log("SK-2", "P2", "B2"))
    accounts = core.accounts
    accounts.add_user(ALICE, "insured", "Alice", "ja", PASSWORD, OPERATOR, business="B1")
    accounts.add_user(BOB, "insured", "Bob", "en", PASSWORD, OPERATOR, business="B2")
    accounts.add_user(SATO, "staff", "Sato", "ja", PASSWORD, OPERATOR, programmes=("P1",))
    accounts.add_user(ROOT, "admin", "Root", "en", PASSWORD, OPERATOR)
    yield app
    core.close()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def csrf(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(r'"X-CSRFToken": "([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def login(client, email: str, password: str = PASSWORD):
    token = csrf(client)
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
