"""The application on each real store (SQLite, then PostgreSQL): what it stores
is read back, by another application object too; an encrypted store holds no
plaintext; concurrent recorders never lose an event."""

from __future__ import annotations

import sqlite3
from contextlib import closing
import threading
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from eventsourcing.cipher import AESCipher

from casemgr.bootstrap import build_app
from casemgr.errors import ConcurrentUpdate
from casemgr.settings import Settings
from tests.conftest import INSURED, OPERATOR

SEED_TOTAL_PAYABLE_YEN = 88_810_000
NOTE = {"type": "NoteAdded", "on": "2005-06-02", "text": "n"}


def _seed_incident(application, seed_log):
    imported = application.import_log(seed_log, OPERATOR)
    return imported.incidents["INC-1"]


def _raw_states(url: str, table: str = "events") -> list[bytes]:
    """The ``state`` column of every stored event (or snapshot), straight from the database.

    The library names the tables ``stored_<purpose>`` in SQLite and
    ``<application name>_<purpose>`` (CaseManager.name is "casemgr") in PostgreSQL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        with closing(sqlite3.connect(unquote(parts.path)[1:])) as conn:
            rows = conn.execute(f"SELECT state FROM stored_{table}").fetchall()
    else:
        with psycopg.connect(url) as conn:
            rows = conn.execute(f"SELECT state FROM casemgr_{table}").fetchall()
    assert rows, f"no stored {table} found: is this the table the library writes?"
    return [bytes(state) for (state,) in rows]


def test_the_seed_example_is_stored_and_read_back(app, seed_log):
    incident = _seed_incident(app, seed_log)

    assert app.statement(incident).statement.total_payable_yen == SEED_TOTAL_PAYABLE_YEN
    assert len(app.history(incident)) == len(seed_log["incidents"][0]["events"])


def test_another_application_object_on_the_same_store_sees_the_same_data(app, store_url, clock, seed_log):
    incident = _seed_incident(app, seed_log)
    app.record(incident, NOTE, INSURED)

    other = build_app(Settings(store_url), clock=clock)
    try:
        assert other.statement(incident).statement.total_payable_yen == SEED_TOTAL_PAYABLE_YEN
        assert other.history(incident) == app.history(incident)
        assert other.incident(incident) == app.incident(incident)

        # ... and what it records, the first one sees.
        other.record(incident, {**NOTE, "text": "from the other one"}, INSURED)
        assert [r.data.get("text") for r in app.history(incident)][-2:] == ["n", "from the other one"]
    finally:
        other.close()


def test_a_plain_store_holds_the_event_state_readably(app, store_url, seed_log):
    """The control for the cipher test: this is where the text would be."""
    _seed_incident(app, seed_log)
    summary = seed_log["incidents"][0]["events"][0]["summary"].encode()

    assert any(summary in state for state in _raw_states(store_url))


def test_a_store_with_a_cipher_key_holds_no_plaintext(store_url, clock, seed_log):
    key = AESCipher.create_key(16)
    summary = seed_log["incidents"][0]["events"][0]["summary"]
    insured_name = seed_log["policy"]["insured"]["name"]

    # Snapshots every 2 versions, so that snapshots are stored (and must be encrypted) too.
    settings = Settings(store_url, cipher_key=key, snapshot_interval=2)
    application = build_app(settings, clock=clock)
    try:
        incident = _seed_incident(application, seed_log)
        application.record(incident, {**NOTE, "text": "secret note"}, INSURED)
        application.record(incident, {**NOTE, "text": "another"}, INSURED)
        assert application.incident(incident).summary == summary
    finally:
        application.close()

    states = _raw_states(store_url, "events") + _raw_states(store_url, "snapshots")
    for plaintext in (summary, insured_name, "secret note", "LeakDiscovered", "SK-2005-0001"):
        assert not any(plaintext.encode() in state for state in states), plaintext

    reopened = build_app(settings, clock=clock)
    try:
        assert reopened.incident(incident).summary == summary
        assert reopened.statement(incident).statement.total_payable_yen == SEED_TOTAL_PAYABLE_YEN
        assert [r.data.get("text") for r in reopened.history(incident)][-2:] == ["secret note", "another"]
    finally:
        reopened.close()


def test_interleaved_recorders_never_lose_an_event(app, store_url, clock, seed_log):
    """One loads, the other saves meanwhile: the first one's save conflicts, and is retried."""
    incident = _seed_incident(app, seed_log)
    other = build_app(Settings(store_url), clock=clock)
    try:
        original = other._incident
        interfered = []

        def load_then_let_the_other_save(*args, **kwargs):
            loaded = original(*args, **kwargs)
            if not interfered:
                interfered.append(app.record(incident, {**NOTE, "text": "meanwhile"}, INSURED))
            return loaded

        other._incident = load_then_let_the_other_save
        stored = other.record(incident, {**NOTE, "text": "mine"}, INSURED)
    finally:
        other.close()

    history = app.history(incident)
    assert [r.data.get("text") for r in history[-2:]] == ["meanwhile", "mine"]
    assert [r.id for r in history[-2:]] == [interfered[0], stored]
    assert len({r.version for r in history}) == len(history)


def _record_concurrently(store_url, clock, incident, threads_n, per_thread):
    """``threads_n`` application objects on one store, each recording ``per_thread``
    notes on the incident at once; the ids stored, and the records that gave up."""
    apps = [build_app(Settings(store_url), clock=clock) for _ in range(threads_n)]
    start = threading.Barrier(threads_n)
    stored: dict[str, str] = {}  # event id -> note text
    gave_up: list[str] = []  # note texts
    errors: list[BaseException] = []

    def work(application, n):
        start.wait()
        for i in range(per_thread):
            text = f"t{n}-{i}"
            try:
                stored[application.record(incident, {**NOTE, "text": text}, INSURED)] = text
            except ConcurrentUpdate:
                gave_up.append(text)
            except BaseException as exc:  # noqa: BLE001 - reported by the caller
                errors.append(exc)
                return

    threads = [threading.Thread(target=work, args=(a, n)) for n, a in enumerate(apps)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        for a in apps:
            a.close()
    assert not any(t.is_alive() for t in threads), "a recorder hung"
    assert not errors, errors
    return stored, gave_up


def test_concurrent_recorders_never_lose_an_event(app, store_url, clock, seed_log):
    """Two application objects recording on one incident at once (2 x 20 notes): every
    record that returned an id is stored under that id, exactly once, with no gap in the
    versions; and the conflicts are retried, so every record succeeds (all 40 notes)."""
    incident = _seed_incident(app, seed_log)
    before = len(app.history(incident))
    threads_n, per_thread = 2, 20

    stored, gave_up = _record_concurrently(store_url, clock, incident, threads_n, per_thread)

    history = app.history(incident)
    notes = {r.id: r.data["text"] for r in history if r.type == "NoteAdded"}
    assert len(stored) + len(gave_up) == threads_n * per_thread
    assert notes == stored
    assert not set(gave_up) & set(notes.values()), "a record that gave up was stored anyway"
    assert len(history) == before + len(stored)
    assert [r.version for r in history] == list(range(1, len(history) + 1))
    # A retry loop without a random pause lets the writer that lost keep losing.
    assert not gave_up, f"{len(gave_up)} of {threads_n * per_thread} records gave up (ConcurrentUpdate)"
    assert sorted(notes.values()) == sorted(f"t{n}-{i}" for n in range(threads_n) for i in range(per_thread))


@pytest.mark.postgres
def test_postgres_url_is_a_fresh_empty_database(postgres_url):
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)
