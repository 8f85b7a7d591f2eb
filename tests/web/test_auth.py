"""Logging in and the protections every page has: sessions, CSRF, CSP, throttling."""

from __future__ import annotations

import pytest

from tests.web.conftest import ALICE, PASSWORD, SATO, csrf, login


def test_a_page_without_a_login_sends_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_right_password_logs_in_and_the_wrong_one_does_not(client):
    token = csrf(client)
    wrong = client.post("/login", data={"email": ALICE, "password": "not it at all!", "csrf_token": token})
    assert wrong.status_code == 401
    assert "パスワード" in wrong.get_data(as_text=True) or "password" in wrong.get_data(as_text=True)
    login(client, ALICE)
    assert client.get("/").status_code in (200, 302)


def test_a_login_form_without_its_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": ALICE, "password": PASSWORD})
    assert response.status_code == 400


def test_a_state_changing_request_without_the_token_is_refused_htmx_or_not(client):
    login(client, ALICE)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", headers={"HX-Request": "true"}).status_code == 400
    token = csrf(client, "/")
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302


def test_every_page_has_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    token = csrf(client)
    response = client.post("/login", data={"email": ALICE, "password": PASSWORD, "csrf_token": token})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_repeated_failures_are_throttled(client):
    token = csrf(client)
    for _ in range(5):
        client.post("/login", data={"email": SATO, "password": "wrong password!", "csrf_token": token})
    blocked = client.post("/login", data={"email": SATO, "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_next_parameter_never_leaves_the_site(client, target):
    token = csrf(client)
    response = client.post(f"/login?next={target}", data={"email": ALICE, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and not response.headers["Location"].startswith(("http", "//", "/\\"))
