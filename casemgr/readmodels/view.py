"""The read model's tables, beside the library's tracking table, on SQLite or PostgreSQL.

Three tables, each row rewritten whenever its incident or policy changes:

* ``rm_policies``  — a policy's number, programme and business (the access rule reads these),
  when it was cancelled from its start (DOMAIN §10) and its version;
* ``rm_incidents`` — an incident's summary figures, its programme, business and whether closed;
* ``rm_deadlines`` — one row per deadline (DOMAIN §4), with its due and met dates, and
  denormalised programme, business and closed flag so that every dashboard filter is one
  index range. A policy's own deadline (``premium_debit``, its next premium debit) is a row
  too, with the policy's id in the ``incident_id`` column (see docs/decisions.md P4).

A deadline's status depends on the day asked about, so it is computed in the query. What
does not depend on the day is stored as the row's *lane*:

====  =====================================================================
lane  meaning
====  =====================================================================
0     done: met, met late or not applicable — never overdue, never reminded
1     pending deadline (or "promptly") whose overdue reminder is not yet sent
2     pending window (expense window, claims-made cut-off): closes, never overdue
3     pending deadline whose overdue reminder was sent
====  =====================================================================

so "overdue on D" is lanes 1 and 3 with ``due < D``, and "an overdue reminder to send on D"
is lane 1 with ``due < D``: index ranges on ``(closed, lane, due, …)``, also per programme
and per business. Queries page with a keyset on ``(due, incident_id, deadline, claim_ref)``.
"""

from __future__ import annotations

import re
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

LIVE, SHADOW = "rm_", "rmnew"  # a rebuild's shadow tables: rmnew<run>_<table>
KEY = "due, incident_id, deadline, claim_ref"

COLUMNS = {
    "policies": "policy_id TEXT PRIMARY KEY, number TEXT NOT NULL, programme TEXT NOT NULL,"
                " business TEXT NOT NULL, cancelled_on TEXT, version BIGINT NOT NULL",
    "incidents": "incident_id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, policy_number TEXT NOT NULL,"
                 " reference TEXT NOT NULL, programme TEXT NOT NULL, business TEXT NOT NULL,"
                 " discovered_on TEXT NOT NULL, accident_date TEXT NOT NULL,"
                 " affected_count BIGINT NOT NULL, closed INTEGER NOT NULL, version BIGINT NOT NULL",
    "deadlines": "incident_id TEXT NOT NULL, deadline TEXT NOT NULL, claim_ref TEXT NOT NULL,"
                 " due TEXT NOT NULL, met_on TEXT, applicable INTEGER NOT NULL, kind TEXT NOT NULL,"
                 " rule TEXT NOT NULL, programme TEXT NOT NULL, business TEXT NOT NULL,"
                 " closed INTEGER NOT NULL, lane INTEGER NOT NULL, reminded INTEGER,"
                 " PRIMARY KEY (incident_id, deadline, claim_ref)",
}
INDEXES = {
    "deadlines": {
        "all": f"closed, lane, {KEY}",
        "programme": f"programme, closed, lane, {KEY}",
        "business": f"business, closed, lane, {KEY}",
    },
    "incidents": {
        "policy": "policy_id",
        "all": "closed, discovered_on, incident_id",
        "programme": "programme, closed, discovered_on, incident_id",
        "business": "business, closed, discovered_on, incident_id",
    },
    "policies": {"number": "number", "programme": "programme, business"},
}

# Kept beside the view but not rebuilt with it (a rebuild swaps only the tables above):
# what the workers computed and did. See casemgr/readmodels/work.py.
WORK = "wk_"
WORK_COLUMNS = {
    "statements": "incident_id TEXT PRIMARY KEY, policy_id TEXT NOT NULL, version BIGINT NOT NULL,"
                  " versions TEXT NOT NULL, position BIGINT NOT NULL, computed_at TEXT NOT NULL,"
                  " body TEXT NOT NULL",
    "reminders": "reminder TEXT PRIMARY KEY, incident_id TEXT NOT NULL, deadline TEXT NOT NULL,"
                 " claim_ref TEXT NOT NULL, due TEXT NOT NULL, offset_days INTEGER NOT NULL,"
                 " planned_on TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,"
                 " not_before DOUBLE PRECISION NOT NULL, last_error TEXT, message_id TEXT,"
                 " recipients TEXT, updated_at TEXT NOT NULL, mailed TEXT NOT NULL DEFAULT ''",
    "sweeps": "day TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT, planned INTEGER",
    "status": "name TEXT PRIMARY KEY, value TEXT NOT NULL, at TEXT NOT NULL",
}
WORK_INDEXES = {
    "reminders": {"state": "state, not_before", "incident": "incident_id, updated_at"},
    "statements": {"policy": "policy_id"},
}


def create_work_tables() -> list[str]:
    return ([f"CREATE TABLE IF NOT EXISTS {WORK}{name} ({columns})" for name, columns in WORK_COLUMNS.items()]
            + [f"CREATE INDEX IF NOT EXISTS {WORK}{table}_{name} ON {WORK}{table} ({columns})"
               for table, indexes in WORK_INDEXES.items() for name, columns in indexes.items()])


def create_tables(prefix: str) -> list[str]:
    return [f"CREATE TABLE IF NOT EXISTS {prefix}{name} ({columns})" for name, columns in COLUMNS.items()]


def create_indexes(prefix: str) -> list[str]:
    return [f"CREATE INDEX IF NOT EXISTS {prefix}{table}_{name} ON {prefix}{table} ({columns})"
            for table, indexes in INDEXES.items() for name, columns in indexes.items()]


class ReadModelTables:
    """What the two backends share: statements, batched writes, the atomic swap."""

    placeholder = "%s"

    def sql(self, statement: str) -> str:
        return statement.replace("%s", self.placeholder)

    def table(self, name: str, prefix: str = LIVE) -> str:
        return f"{prefix}{name}"

    def write(self, policies: list[tuple], incidents: list[tuple], deadlines: list[tuple],
              tracking: Tracking, prefix: str = LIVE) -> None:
        """Replace the rows of the given policies and incidents and record the position, atomically."""
        p, i, d = (self.table(n, prefix) for n in ("policies", "incidents", "deadlines"))
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            if policies:
                c.executemany(self.sql(f"DELETE FROM {p} WHERE policy_id = %s"), [(r[0],) for r in policies])
                c.executemany(self.sql(f"INSERT INTO {p} VALUES (%s, %s, %s, %s, %s, %s)"), policies)
                # a policy's own deadline row (premium_debit) is keyed by the policy's id
                c.executemany(self.sql(f"DELETE FROM {d} WHERE incident_id = %s"), [(r[0],) for r in policies])
            if incidents:
                c.executemany(self.sql(f"DELETE FROM {i} WHERE incident_id = %s"), [(r[0],) for r in incidents])
                c.executemany(self.sql(f"INSERT INTO {i} VALUES ({', '.join(['%s'] * 11)})"), incidents)
                c.executemany(self.sql(f"DELETE FROM {d} WHERE incident_id = %s"), [(r[0],) for r in incidents])
            if deadlines:
                c.executemany(self.sql(f"INSERT INTO {d} VALUES ({', '.join(['%s'] * 13)})"), deadlines)
            self._insert_tracking(c, tracking)  # type: ignore[attr-defined]

    def execute(self, statement: str, params: tuple | list = ()) -> int:
        """Run one writing statement in its own transaction; the rows it touched."""
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(self.sql(statement), params)
            return getattr(c, "sqlite_cursor", c).rowcount  # the library wraps SQLite's cursor

    def outdated(self) -> list[str]:
        """The live tables whose columns are not this casemgr's (a store made by an earlier
        version): they need a rebuild before rows can be written to them."""
        found = []
        with self.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
            for name, columns in COLUMNS.items():
                c.execute(f"SELECT * FROM {self.table(name)} WHERE 1 = 0")
                have = [d[0] for d in getattr(c, "sqlite_cursor", c).description]
                want = [part.split()[0] for part in re.sub(r",\s*PRIMARY KEY \([^)]*\)", "", columns).split(",")]
                if have != want:
                    found.append(name)
        return found

    def fetch(self, statement: str, params: tuple | list = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
            c.execute(self.sql(statement), params)
            return list(c.fetchall())

    def start_shadow(self, prefix: str, tracking_name: str) -> None:
        """Empty shadow tables (indexes come after loading) and no position."""
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for statement in create_tables(prefix):
                c.execute(self._qualified(statement, prefix))
            c.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = %s"), (tracking_name,))

    def drop_shadow(self, prefix: str, tracking_name: str) -> None:
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            for name in COLUMNS:
                c.execute(f"DROP TABLE IF EXISTS {self.table(name, prefix)}")
            c.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = %s"), (tracking_name,))

    def swap(self, prefix: str, tracking_name: str, live_name: str) -> None:
        """In one transaction: the shadow tables replace the live ones and their position
        becomes the live position. Until it commits, readers see the old view whole."""
        self._index_shadow(prefix)
        with self.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(self.sql(f"SELECT notification_id FROM {self.tracking_table} WHERE application_name = %s"),
                      (tracking_name,))
            row = c.fetchone()
            for name in COLUMNS:
                c.execute(f"DROP TABLE IF EXISTS {self.table(name)}")
                c.execute(f"ALTER TABLE {self.table(name, prefix)} RENAME TO {LIVE}{name}")
            self._index_live(c, prefix)
            c.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name IN (%s, %s)"),
                      (tracking_name, live_name))
            if row is not None and row["notification_id"]:
                self._insert_tracking(c, Tracking(live_name, row["notification_id"]))  # type: ignore[attr-defined]

    def _index_shadow(self, prefix: str) -> None:
        """SQLite cannot rename an index: its indexes are built in the swap (writers wait)."""

    def _index_live(self, c: Any, prefix: str) -> None:
        for statement in create_indexes(LIVE):
            c.execute(self._qualified(statement, LIVE))

    def _qualified(self, statement: str, prefix: str) -> str:
        return statement


class SQLiteReadModel(ReadModelTables, SQLiteTrackingRecorder):
    placeholder = "?"
    tracking_table = "tracking"

    def construct_create_table_statements(self) -> list[str]:
        return (super().construct_create_table_statements() + create_tables(LIVE) + create_indexes(LIVE)
                + create_work_tables())


class PostgresReadModel(ReadModelTables, PostgresTrackingRecorder):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sql_create_statements.extend(
            SQL(self._qualified(s, LIVE)) for s in create_tables(LIVE) + create_indexes(LIVE))  # type: ignore[arg-type]
        self.sql_create_statements.extend(SQL(self._qualified(s, WORK)) for s in create_work_tables())  # type: ignore[arg-type]

    @property
    def tracking_table(self) -> str:
        return f'"{self.datastore.schema}"."{self.tracking_table_name}"'

    def table(self, name: str, prefix: str = LIVE) -> str:
        return f'"{self.datastore.schema}".{prefix}{name}'

    def _index_shadow(self, prefix: str) -> None:
        """Built before the swap, so readers are blocked only for the renames."""
        with self.datastore.transaction(commit=True) as c:
            for statement in create_indexes(prefix):
                c.execute(self._qualified(statement, prefix))

    def _index_live(self, c: Any, prefix: str) -> None:
        schema = self.datastore.schema
        for table, indexes in INDEXES.items():
            for name in indexes:
                c.execute(f'ALTER INDEX "{schema}".{prefix}{table}_{name} RENAME TO {LIVE}{table}_{name}')

    def _qualified(self, statement: str, prefix: str) -> str:
        """Table names in the application's schema (index names are schema-local already), and
        text compared byte by byte (``COLLATE "C"``), as the keyset merge in Python does."""
        statement = statement.replace(" TEXT", ' TEXT COLLATE "C"')
        for name in (WORK_COLUMNS if prefix == WORK else COLUMNS):
            statement = statement.replace(f" {prefix}{name} (", f" {self.table(name, prefix)} (")
            statement = statement.replace(f" ON {prefix}{name} ", f" ON {self.table(name, prefix)} ")
        return statement
