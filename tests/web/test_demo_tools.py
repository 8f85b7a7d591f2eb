"""The admin's demo tools: the mail viewer (/admin/mail: the .eml files the workers write
when no SMTP server is configured, decoded; no path reaches another file) and the demo
clock (/admin/clock: with CASEMGR_CLOCK=file:PATH it moves for every process; the system
clock cannot be moved; bad input changes nothing)."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from casemgr.clock import FileClock, SystemClock, clock_from, today
from casemgr.settings import Settings
from events.values import JST
from tests.conftest import OPERATOR
from tests.web.conftest import ALICE, PASSWORD, ROOT, SATO, csrf, incident_log, login
from tests.web.reminding import core_of, send_reminders


@pytest.fixture
def make_app(sqlite_url, tmp_path):
    """An app on SQLite with other settings (a movable clock, an SMTP server), an admin and staff."""
    made = []

    def make(**settings):  # type: ignore[no-untyped-def]
        from web import create_app
        app = create_app(Settings(sqlite_url, instance=str(tmp_path / "instance"), **settings),
                         config={"TESTING": True})
        core = app.extensions["casemgr"]
        core.service.import_log(OPERATOR, incident_log("SK-1", "P1", "B1"))
        core.accounts.add_user(ROOT, "admin", "Root", "en", PASSWORD, OPERATOR)
        core.accounts.add_user(SATO, "staff", "Sato", "ja", PASSWORD, OPERATOR, programmes=("P1",))
        made.append(core)
        return app.test_client()

    yield make
    for core in made:
        core.close()


def post(client, path: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf(client, path)})


def write_mail(folder, name: str, subject: str, when: dt.datetime, body: str = "本文です。") -> None:
    message = EmailMessage()
    message["Subject"], message["To"], message["From"] = subject, "alice@b1.jp", "casemgr <casemgr@localhost>"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<{name}@test>"
    message.set_content(body)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes(message))


# -- the mail viewer ------------------------------------------------------------------------

@pytest.mark.parametrize("user", [ALICE, SATO])
@pytest.mark.parametrize("path", ["/admin/mail", "/admin/clock"])
def test_only_an_admin_has_the_demo_tools(client, user, path):
    login(client, user)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": csrf(client, "/"), "action": "advance", "days": "1"}).status_code \
        in (404, 405)


def test_the_mail_viewer_lists_the_reminders_mailed_with_date_recipients_and_subject(client):
    send_reminders(client)
    login(client, ROOT)
    page = html.unescape(client.get("/admin/mail").get_data(as_text=True))
    assert "【期限のお知らせ】SK-1/INC-1: 保険会社への事故通知" in page  # decoded, not =?utf-8?b?…?=
    assert "[Deadline] SK-2/INC-1: Notice to the insurer" in page  # Bob reads English
    assert "alice@b1.jp, sato@insurer.jp" in page and "2026-11-22 10:00" in page
    assert 'href="/admin/mail"' in page.split("</nav>")[0] and 'href="/admin/clock"' in page.split("</nav>")[0]


def test_the_mail_viewer_lists_the_newest_first(client):
    folder = core_of(client).settings.mail_folder
    for day, name in ((3, "b.eml"), (5, "a.eml"), (4, "c.eml")):
        write_mail(folder, name, f"day {day}", dt.datetime(2026, 11, day, 9, 0, tzinfo=JST))
    login(client, ROOT)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert re.findall(r">day (\d)</a>", page) == ["5", "4", "3"]


def test_a_mail_is_shown_decoded_with_its_headers_and_its_japanese_text(client):
    send_reminders(client)
    login(client, ROOT)
    listing = client.get("/admin/mail").get_data(as_text=True)
    link = re.search(r'<a href="(/admin/mail/[^"]+\.eml)">【期限のお知らせ】SK-1/INC-1: 保険会社への事故通知', listing).group(1)
    page = html.unescape(client.get(link).get_data(as_text=True))
    assert "<dt>Subject</dt><dd>【期限のお知らせ】SK-1/INC-1: 保険会社への事故通知" in page
    assert "<dt>To</dt><dd>alice@b1.jp, sato@insurer.jp</dd>" in page
    body = page.split('<pre class="mail-body">')[1].split("</pre>")[0]
    assert "個人情報漏えい事故 SK-1/INC-1 の期限のお知らせです。" in body  # base64 UTF-8, decoded
    assert "期日: 2005-06-06" in body


@pytest.mark.parametrize("name", ["..%2Fsecret_key", "..%2F..%2Fcasemgr.sqlite", "secret_key", "%2Fetc%2Fpasswd",
                                  "nothing.eml", ".hidden.eml", "link.eml", "..", "a.eml%00"])
def test_no_name_reaches_a_file_that_is_not_a_listed_mail(client, name, tmp_path):
    folder = core_of(client).settings.mail_folder
    write_mail(folder, "a.eml", "listed", dt.datetime(2026, 11, 1, tzinfo=JST))
    write_mail(folder, ".hidden.eml", "hidden", dt.datetime(2026, 11, 1, tzinfo=JST))
    outside = tmp_path / "outside.eml"
    write_mail(tmp_path, "outside.eml", "outside", dt.datetime(2026, 11, 1, tzinfo=JST), "secret")
    os.symlink(outside, folder / "link.eml")
    login(client, ROOT)
    assert client.get(f"/admin/mail/{name}").status_code == 404
    page = client.get("/admin/mail").get_data(as_text=True)
    assert ">listed</a>" in page and ">hidden<" not in page and ">outside<" not in page
    assert client.get("/admin/mail/a.eml").status_code == 200


def test_with_no_mail_yet_the_viewer_says_so(client):
    login(client, ROOT)
    response = client.get("/admin/mail")
    assert response.status_code == 200 and "No mail yet." in response.get_data(as_text=True)


def test_with_an_smtp_server_the_viewer_names_it_without_its_password_and_shows_no_files(make_app):
    client = make_app(smtp_url="smtp://casemgr:s3cret@mail.example.jp:1025")
    folder = core_of(client).settings.mail_folder
    write_mail(folder, "a.eml", "old mail", dt.datetime(2026, 11, 1, tzinfo=JST))
    login(client, ROOT)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "mail.example.jp:1025" in page and "s3cret" not in page and "old mail" not in page
    assert client.get("/admin/mail/a.eml").status_code == 404


# -- the demo clock -----------------------------------------------------------------------

def test_the_system_clock_cannot_be_moved_and_the_page_says_so(client):
    login(client, ROOT)
    page = client.get("/admin/clock").get_data(as_text=True)
    assert "uses the system clock: it cannot be moved" in page and "2026-11-22 10:00" in page
    assert '<form method="post" action="/admin/clock">' not in page
    response = post(client, "/admin/clock", action="advance", days="1")
    assert response.status_code == 409 and core_of(client).clock.now() == dt.datetime(2026, 11, 22, 10, tzinfo=JST)


def test_an_admin_moves_the_demo_clock_a_week_forward_for_every_process(make_app, tmp_path):
    client = make_app(clock=f"file:{tmp_path / 'demo-clock'}")
    core = core_of(client)
    assert isinstance(core.clock, FileClock)
    login(client, ROOT)
    page = client.get("/admin/clock").get_data(as_text=True)
    assert "+7 days" in page and 'name="csrf_token"' in page
    before = today(SystemClock())
    response = post(client, "/admin/clock", action="advance", days="7")
    assert response.status_code == 303
    assert "The clock now reads" in client.get(response.headers["Location"]).get_data(as_text=True)
    elsewhere = clock_from(core.settings.clock)  # what a worker or the console builds from the same setting
    assert abs(elsewhere.now() - (SystemClock().now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    assert core.service.today() - before == dt.timedelta(days=7)
    post(client, "/admin/clock", action="advance", days="1")
    assert abs(elsewhere.now() - (SystemClock().now() + dt.timedelta(days=8))) < dt.timedelta(minutes=1)


def test_an_admin_sets_the_demo_clock_to_a_date_and_time_in_jst(make_app, tmp_path):
    client = make_app(clock=f"file:{tmp_path / 'demo-clock'}")
    login(client, ROOT)
    assert post(client, "/admin/clock", action="set", instant="2030-01-15T09:30").status_code == 303
    now = clock_from(core_of(client).settings.clock).now().astimezone(JST)
    assert dt.datetime(2030, 1, 15, 9, 30, tzinfo=JST) <= now < dt.datetime(2030, 1, 15, 9, 32, tzinfo=JST)
    assert "2030-01-15 09:3" in client.get("/admin/clock").get_data(as_text=True)
    assert post(client, "/admin/clock", action="reset").status_code == 303
    assert abs(core_of(client).clock.now() - SystemClock().now()) < dt.timedelta(minutes=1)


@pytest.mark.parametrize("data", [{"action": "set", "instant": "next tuesday"}, {"action": "set", "instant": ""},
                                  {"action": "set", "instant": "1800-01-01T00:00"},
                                  {"action": "set", "instant": "2030-02-30T10:00"},
                                  {"action": "advance", "days": "3"}, {"action": "advance"}, {"action": "stop"}])
def test_bad_input_shows_an_error_and_changes_nothing(make_app, tmp_path, data):
    client = make_app(clock=f"file:{tmp_path / 'demo-clock'}")
    login(client, ROOT)
    post(client, "/admin/clock", action="advance", days="1")
    offset = FileClock(tmp_path / "demo-clock").offset()
    response = post(client, "/admin/clock", **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was changed." in page
    assert FileClock(tmp_path / "demo-clock").offset() == offset


def test_a_move_without_the_csrf_token_is_refused_and_changes_nothing(make_app, tmp_path):
    client = make_app(clock=f"file:{tmp_path / 'demo-clock'}")
    login(client, ROOT)
    response = client.post("/admin/clock", data={"action": "advance", "days": "7"})
    assert response.status_code == 400
    assert not (tmp_path / "demo-clock").exists() or FileClock(tmp_path / "demo-clock").offset() == dt.timedelta(0)


def test_the_demo_clock_page_in_japanese(make_app, tmp_path):
    client = make_app(clock=f"file:{tmp_path / 'demo-clock'}")
    login(client, SATO)
    assert client.get("/admin/clock").status_code == 404
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    core_of(client).accounts.add_user("kanri@insurer.jp", "admin", "管理者", "ja", PASSWORD, OPERATOR)
    login(client, "kanri@insurer.jp")
    page = client.get("/admin/clock").get_data(as_text=True)
    assert "デモ用の時計" in page and "7日進める" in page
    response = post(client, "/admin/clock", action="set", instant="yesterday")
    assert "日時は YYYY-MM-DD HH:MM（日本時間）の形で入力してください。" in response.get_data(as_text=True)
