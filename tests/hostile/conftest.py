"""Fixtures for hostile-input tests: the console script on a fresh store, and checks
that a refusal keeps the promise (exit 2, one line naming the field, no trace)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from events.errors import DomainError
from tests.conftest import SEED_001

CASEMGR = Path(sys.executable).with_name("casemgr")
INCIDENT = "SK-2005-0001/INC-1"


@pytest.fixture
def run(store_url, tmp_path):
    """``run(*args, stdin=...)``: the real ``casemgr`` in a subprocess, on SQLite and on PostgreSQL.
    Arguments may be bytes (to pass what is not UTF-8)."""
    def casemgr(*args: str | bytes, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "CASEMGR_DATABASE_URL": store_url}
        data = stdin.encode() if isinstance(stdin, str) else stdin
        result = subprocess.run([str(CASEMGR), *args], capture_output=True, env=env, input=data,
                                cwd=tmp_path, timeout=120)
        result.stdout = result.stdout.decode("utf-8", "replace")
        result.stderr = result.stderr.decode("utf-8", "replace")
        return result
    return casemgr


@pytest.fixture
def imported(run):
    """The worked example (DOMAIN §7) imported: 8 events on SK-2005-0001/INC-1."""
    result = run("import", str(SEED_001))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refused(result: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit 2 and one line on stderr starting ``casemgr: error:`` that holds each ``expected``."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, repr(result.stderr)
    assert result.stderr.startswith("casemgr: error: "), result.stderr
    for text in expected:
        assert text in result.stderr, (text, result.stderr)
    return result.stderr


def history_count(run: Callable[..., Any], incident: str = INCIDENT) -> int:
    result = run("history", incident, "--json")
    assert result.returncode == 0, result.stderr
    return len(json.loads(result.stdout))


def refused(call: Callable[..., Any], *args: Any) -> DomainError:
    """The DomainError ``call(*args)`` raises (it must raise one)."""
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value
