"""DOMAIN §9.2 account commands as a user runs them: the real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CASEMGR = Path(sys.executable).with_name("casemgr")
PASSWORD = "correct horse battery staple\n"
SATO, ALICE = "sato@insurer.example.jp", "alice@shop.example.jp"


def _casemgr(url: str, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CASEMGR_DATABASE_URL": url}
    return subprocess.run([str(CASEMGR), *args], capture_output=True, text=True, env=env,
                          input=stdin, cwd=cwd, timeout=60)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with a programme, a business, a staff and an insured user, added
    from the console once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("accounts")
    url = f"sqlite:///{folder / 'casemgr.sqlite'}"
    for args in (("programmes", "add", "SHOKOKAI-2005", "--name", "全国商工会連合会", "--insurer", "X損保"),
                 ("businesses", "add", "M-0001", "--name", "Shop", "--contact", "info@shop.example.jp",
                  "--lang", "en")):
        done = _casemgr(url, folder, *args)
        assert (done.returncode, done.stdout.strip()) == (0, args[2]), done.stderr
    for args in (("users", "add", SATO, "--role", "staff", "--programme", "SHOKOKAI-2005", "--name", "Sato"),
                 ("users", "add", ALICE, "--role", "insured", "--business", "M-0001", "--lang", "en")):
        done = _casemgr(url, folder, *args, "--password-stdin", stdin=PASSWORD)
        assert (done.returncode, done.stdout.strip()) == (0, args[2]), done.stderr
    return folder


@pytest.fixture
def users(template, tmp_path):
    """``casemgr`` on a copy of the template store."""
    for file in template.glob("casemgr.sqlite*"):
        shutil.copy(file, tmp_path / file.name)
    url = f"sqlite:///{tmp_path / 'casemgr.sqlite'}"
    return lambda *args, stdin=None: _casemgr(url, tmp_path, *args, stdin=stdin)


@pytest.fixture(scope="module")
def template_users(template) -> dict[str, dict]:
    return listed(lambda *args: _casemgr(f"sqlite:///{template / 'casemgr.sqlite'}", template, *args))


def listed(run) -> dict[str, dict]:
    done = run("users", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {u["email"]: u for u in json.loads(done.stdout)}


def test_users_list_shows_a_staff_and_an_insured_user_added_from_the_console(users):
    found = listed(users)
    assert (found[SATO]["role"], found[SATO]["programmes"], found[SATO]["name"]) == ("staff", ["SHOKOKAI-2005"], "Sato")
    assert (found[ALICE]["role"], found[ALICE]["business"], found[ALICE]["lang"]) == ("insured", "M-0001", "en")
    assert all(u["active"] for u in found.values())
    table = users("users", "list").stdout
    assert SATO in table and "SHOKOKAI-2005" in table


def test_a_deactivated_user_is_listed_as_inactive(users):
    done = users("users", "deactivate", ALICE)
    assert done.returncode == 0, done.stderr
    assert listed(users)[ALICE]["active"] is False


def test_tokens_create_prints_a_new_token_once(users):
    first = users("tokens", "create", SATO, "--name", "ci")
    second = users("tokens", "create", SATO)
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip()
    assert token.startswith("cm_") and len(first.stdout.splitlines()) == 1
    assert token != second.stdout.strip()
    assert [t["label"] for t in listed(users)[SATO]["tokens"]] == ["ci", ""]
    assert token not in users("users", "list", "--json").stdout


@pytest.mark.parametrize("args, stdin, message", [
    (("users", "add", "bob@shop.example.jp", "--role", "insured", "--business", "M-404", "--password-stdin"),
     PASSWORD, "casemgr: error: business: no business 'M-404'"),
    (("users", "add", "bob@shop.example.jp", "--role", "insured", "--business", "M-0001", "--password-stdin"),
     "short\n", "casemgr: error: password: must be at least 12 characters long"),
    (("users", "add", "not-an-address", "--role", "admin", "--password-stdin"),
     PASSWORD, "casemgr: error: email: 'not-an-address' is not an e-mail address (local@domain.tld)"),
    (("users", "add", "bob@shop.example.jp", "--role", "boss", "--password-stdin"),
     PASSWORD, "casemgr: error: role: must be one of insured, staff, admin (got 'boss')"),
    (("users", "add", "bob@shop.example.jp", "--role", "staff", "--password-stdin"),
     PASSWORD, "casemgr: error: programme: a staff user is assigned to at least one programme"),
    (("users", "add", "bob@shop.example.jp", "--role", "admin", "--lang", "fr", "--password-stdin"),
     PASSWORD, "casemgr: error: lang: must be one of ja, en (got 'fr')"),
    (("users", "add", SATO, "--role", "admin", "--password-stdin"),
     PASSWORD, f"casemgr: error: email: a user {SATO} exists already (deactivated users stay)"),
    (("users", "deactivate", "nobody@shop.example.jp"), None, "casemgr: error: email: no user nobody@shop.example.jp"),
    (("tokens", "create", "nobody@shop.example.jp"), None, "casemgr: error: email: no user nobody@shop.example.jp"),
    (("programmes", "add", "A/B", "--name", "x"), None, "casemgr: error: code: 'A/B' contains '/'"),
    (("businesses", "add", "M-2", "--name", "x", "--contact", "nope"), None,
     "casemgr: error: contacts[0]: 'nope' is not an e-mail address (local@domain.tld)"),
    (("businesses", "add", "M-2", "--name", "x", "--revenue", "-5"), None,
     "casemgr: error: annual_revenue_yen: must be a whole number of yen, 0 or more"),
    (("--as", f"staff:{SATO}", "users", "list"), None,
     "casemgr: error: role: accounts are managed by admin or operator, not by staff"),
])
def test_bad_input_is_one_line_on_stderr_exit_2_and_nothing_stored(users, template_users, args, stdin, message):
    done = users(*args, stdin=stdin)
    assert (done.returncode, done.stderr.splitlines(), done.stdout) == (2, [message], "")
    assert listed(users) == template_users
