"""Logging in and the protections every page has: sessions, CSRF, CSP, throttling."""

from __future__ import annotations

import pytest

from casemgr.settings import Settings
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, PASSWORD, SATO, csrf, login
from tests.workers.conftest import RedisServer
from web import create_app


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


def test_failures_from_one_address_with_other_emails_do_not_lock_out_a_user(client):
    """Many people share an address behind a NAT or a proxy: guesses at other e-mails do not
    block a user's right password until the (higher) per-address limit."""
    token = csrf(client)
    for n in range(10):
        assert client.post("/login", data={"email": f"nobody{n}@x.jp", "password": "wrong password!",
                                           "csrf_token": token}).status_code == 401
    assert client.post("/login", data={"email": SATO, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_behind_a_trusted_proxy_the_clients_own_address_is_counted(sqlite_url, tmp_path, clock):
    from web.auth import ADDRESS_FAILURES

    app = create_app(Settings(sqlite_url, instance=str(tmp_path / "instance"), proxy_hops=1), clock=clock,
                     config={"TESTING": True})
    app.extensions["casemgr"].accounts.add_business("B1", "B1 株式会社", OPERATOR)
    app.extensions["casemgr"].accounts.add_user(ALICE, "insured", "Alice", "ja", PASSWORD, OPERATOR, business="B1")
    client = app.test_client()
    token = csrf(client)

    def post(email: str, password: str, forwarded: str) -> int:
        return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                           headers={"X-Forwarded-For": forwarded}).status_code
    for n in range(ADDRESS_FAILURES):
        post(f"guess{n}@x.jp", "wrong password!", "203.0.113.9")
    assert post(ALICE, PASSWORD, "203.0.113.9") == 429  # that client is blocked ...
    assert post(ALICE, PASSWORD, "198.51.100.7") == 302  # ... another behind the same proxy is not
    app.extensions["casemgr"].close()


@pytest.mark.parametrize("value", ["-1", "6", "x", "１", "10"])
def test_a_bad_proxy_hops_setting_is_refused_by_name(value):
    from casemgr.errors import DomainError

    with pytest.raises(DomainError) as caught:
        Settings.from_env({"CASEMGR_PROXY_HOPS": value})
    assert caught.value.field == "CASEMGR_PROXY_HOPS"
    assert Settings.from_env({"CASEMGR_PROXY_HOPS": "2"}).proxy_hops == 2


def test_repeated_failures_are_throttled(client):
    token = csrf(client)
    for _ in range(5):
        client.post("/login", data={"email": SATO, "password": "wrong password!", "csrf_token": token})
    blocked = client.post("/login", data={"email": SATO, "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429


def two_workers(url: str, tmp_path, clock, broker_url: str = ""):  # type: ignore[no-untyped-def]
    """Two web apps on one store, as two gunicorn workers are, with one insured user."""
    apps = [create_app(Settings(url, instance=str(tmp_path / "instance"), broker_url=broker_url), clock=clock,
                       config={"TESTING": True}) for _ in range(2)]
    apps[0].extensions["casemgr"].accounts.add_business("B1", "B1 株式会社", OPERATOR)
    apps[0].extensions["casemgr"].accounts.add_user(ALICE, "insured", "Alice", "ja", PASSWORD, OPERATOR,
                                                    business="B1")
    return apps


def attempt(app, password: str) -> int:  # type: ignore[no-untyped-def]
    client = app.test_client()
    return client.post("/login", data={"email": ALICE, "password": password, "csrf_token": csrf(client)}).status_code


def test_with_a_redis_broker_every_worker_counts_the_failed_logins_together(sqlite_url, tmp_path, clock):
    (tmp_path / "redis").mkdir()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    try:
        first, second = two_workers(sqlite_url, tmp_path, clock, redis.url)
        assert [attempt(first, "wrong password!") for _ in range(3)] == [401] * 3
        assert [attempt(second, "wrong password!") for _ in range(2)] == [401] * 2
        assert attempt(second, PASSWORD) == 429  # five failures between them
        assert attempt(first, PASSWORD) == 429
        redis.stop()  # the counter is down: logging in still works (fail open), and says why in the log
        assert attempt(first, PASSWORD) == 302
    finally:
        redis.stop()
        for app in (first, second):
            app.extensions["casemgr"].close()


def test_without_redis_each_worker_counts_its_own(sqlite_url, tmp_path, clock):
    first, second = two_workers(sqlite_url, tmp_path, clock)
    assert [attempt(first, "wrong password!") for _ in range(5)] == [401] * 5
    assert attempt(first, PASSWORD) == 429
    assert attempt(second, PASSWORD) == 302
    for app in (first, second):
        app.extensions["casemgr"].close()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_next_parameter_never_leaves_the_site(client, target):
    token = csrf(client)
    response = client.post(f"/login?next={target}", data={"email": ALICE, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and not response.headers["Location"].startswith(("http", "//", "/\\"))
