"""Fixtures shared by every layer of tests.

``store_url`` runs a test once on SQLite (a file in tmp_path) and once on a
real PostgreSQL server (started once per session by tests/pg.py, a fresh
database per test)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from casemgr.bootstrap import build_app
from casemgr.clock import FixedClock
from casemgr.settings import Settings
from events.values import JST, Actor

pytest_plugins = ["tests.pg"]

ROOT = Path(__file__).resolve().parent.parent
SEED_001 = ROOT / "examples" / "seed-001.json"

INSURED = Actor("insured", "alice")
OTHER_INSURED = Actor("insured", "bob")
STAFF = Actor("staff", "sato")
OPERATOR = Actor("operator", "console")


@pytest.fixture
def seed_log() -> dict:
    return json.loads(SEED_001.read_text(encoding="utf-8"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 22, 10, 0, tzinfo=JST))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'casemgr.sqlite'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'casemgr.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app(store_url, clock):
    """The application on a fresh store: each test runs on SQLite, then on PostgreSQL."""
    application = build_app(Settings(store_url), clock=clock)
    yield application
    application.close()
