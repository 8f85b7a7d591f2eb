"""A person logs in with a real browser, in Japanese and in English."""

from __future__ import annotations

from tests.e2e.conftest import SCREENSHOTS, log_in


def test_the_login_page_renders_in_japanese_and_english_and_a_demo_user_logs_in(live_server, page_for):
    base, logins, _ = live_server
    for locale, word in (("ja-JP", "ログイン"), ("en-US", "Log in")):
        page = page_for(locale)
        page.goto(f"{base}/login")
        assert word in page.content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"login-{locale[:2]}.png"))
    page = page_for("ja-JP")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, base, logins["staff"].email)
    assert "/login" not in page.url
    assert errors == []  # no CSP violation, no script error
