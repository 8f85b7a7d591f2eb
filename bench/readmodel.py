"""Read-model queries at a million incidents: the deadline dashboard, a deep page, an
insured user's list and the reminder sweep, p50/p95 against a primary-key lookup.

The read model is generated straight into its tables (rm_policies, rm_incidents,
rm_deadlines, and the view's tracking position), not through the event store: a million
incidents are some 20 million events, hours of import_log and a projection rebuild,
while writing the rows takes minutes. The rows are the ones ReadModelProjection._rows
writes (same columns, in the same order; the deadline rule's deadlines in its order, with
its rule texts; lanes from casemgr.readmodels.projection.lane): discoveries spread over
ten years before 2026-11-22 (more of them recently), 200 programmes (P001 holds ~10% of
the incidents, the rest Zipf-like), 100,000 businesses with yearly policies, ~10% of the
incidents closed, most deadlines met, ~2% overdue (of which ~85% already reminded, lane 3).
Tables are created by the application, their secondary indexes dropped while the rows are
loaded (executemany on SQLite, COPY on PostgreSQL, in transactions of 100,000 incidents)
and created again afterwards from casemgr.readmodels.view.create_indexes.

Every query runs through casemgr.readmodels.queries.Queries, the code the service calls.

    .venv/bin/python bench/readmodel.py [--quick] [--incidents N] [--postgres [URL]] [--url URL]
                                        [--db FILE] [--runs N] [--explain]

--postgres alone starts a throw-away PostgreSQL server as tests/pg.py does; with a URL it
uses that (empty) database. --db FILE keeps the SQLite file (generated once, measured
again on later runs); otherwise the store lives in a temporary directory under /tmp and is
removed at the end.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import functools
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import _common as c

from casemgr.bootstrap import build_app, build_projection
from casemgr.readmodels.projection import lane
from casemgr.readmodels.queries import DeadlineFilter, Queries, Scope
from casemgr.readmodels.view import INDEXES, LIVE, create_indexes
from casemgr.rules import calendar
from casemgr.rules.deadlines import Deadline
from casemgr.rules.facts import EXPENSE_WINDOW_DAYS
from casemgr.settings import Settings
from events.incident import incident_id
from events.policy import policy_id

SEED = 20261122
TODAY = c.clock().now().date()
OFFSETS = Settings("sqlite:///x").reminder_offsets  # (7, 3, 1, 0), the default sweep
PROGRAMMES, BUSINESSES, YEARS = 200, 100_000, 10
BIG = "P001"
CHUNK = 20_000  # incidents per executemany
COMMIT_EVERY = 100_000  # incidents per transaction
ACTIONABLE = DeadlineFilter(statuses=("overdue", "due_soon", "open"))
DASHBOARD_MS, REMINDER_MS = 50.0, 1000.0


# -- the generated read model ---------------------------------------------------------------

class Generator:
    """Rows of rm_policies, rm_incidents and rm_deadlines, as the projection would write them."""

    def __init__(self, incidents: int, seed: int = SEED):
        self.n = incidents
        self.rng = random.Random(seed)
        zipf = [k ** -0.5 for k in range(2, PROGRAMMES + 1)]
        weights = [0.10] + [0.90 * w / sum(zipf) for w in zipf]
        self.programmes = [f"P{k:03d}" for k in range(1, PROGRAMMES + 1)]
        self.cumulative = [sum(weights[:k + 1]) for k in range(PROGRAMMES)]
        self.notice_days = {p: (5, 7, 10, 14, 30)[k % 5] for k, p in enumerate(self.programmes)}
        # Businesses per programme in proportion to its incidents; each with a policy anniversary month.
        self.members: list[list[str]] = []
        number = 0
        for w in weights:
            size = max(1, round(w * BUSINESSES))
            self.members.append([f"B{number + j + 1:06d}" for j in range(size)])
            number += size
        months = [4] * 6 + list(range(1, 13))
        self.anniversary = {b: self.rng.choice(months) for group in self.members for b in group}
        self.policies: dict[tuple[str, int], tuple] = {}  # (business, start year) -> row + dates
        self._date = functools.lru_cache(maxsize=None)(dt.date.fromordinal)
        self._iso = functools.lru_cache(maxsize=None)(lambda o: dt.date.fromordinal(o).isoformat())
        self._working = functools.lru_cache(maxsize=None)(
            lambda o: calendar.next_working_day(dt.date.fromordinal(o)).toordinal())

    def incidents(self) -> list[tuple]:
        """Pass 1: who, when and the incident id; sorted by id so the rows go in key order."""
        rng, today = self.rng, TODAY.toordinal()
        specs, counters = [], {}
        for _ in range(self.n):
            p = min(bisect.bisect(self.cumulative, rng.random()), PROGRAMMES - 1)
            group = self.members[p]
            business = group[int(len(group) * rng.random() ** 2)]  # a few businesses have many incidents
            ago = int(YEARS * 365 * (1 - math.sqrt(1 - rng.random())))  # twice as many now as ten years ago
            found = today - ago
            policy = self._policy(self.programmes[p], business, found)
            counters[policy[0]] = counters.get(policy[0], 0) + 1
            reference = f"INC-{counters[policy[0]]}"
            specs.append((str(incident_id(policy[4], reference)), policy, reference, found))
        specs.sort()
        return specs

    def _policy(self, programme: str, business: str, found: int) -> tuple:
        day = self._date(found)
        month = self.anniversary[business]
        year = day.year if day.month >= month else day.year - 1
        key = (business, year)
        if key not in self.policies:
            number = f"{business}-{year}"
            pid = policy_id(number)
            end = dt.date(year + 1, month, 1)
            self.policies[key] = (str(pid), number, programme, business, pid, end.toordinal(),
                                  self.notice_days[programme])
        return self.policies[key]

    def policy_rows(self) -> list[tuple]:
        return sorted(p[:4] + (None, 1) for p in self.policies.values())  # not cancelled, version 1

    def rows(self, spec: tuple) -> tuple[tuple, list[tuple]]:
        """Pass 2: one incident's row and its deadline rows (ReadModelProjection._rows' shape)."""
        rng, iso, date, today = self.rng, self._iso, self._date, TODAY.toordinal()
        key, policy, reference, found = spec
        pid, number, programme, business, _, end, notice_days = policy
        age = today - found
        estimated = rng.random() < 0.2
        accident = found if estimated else found - min(365, int(rng.expovariate(1 / 30)))
        affected = min(5_000_000, max(1, int(math.exp(rng.gauss(4.5, 2.2)))))
        closed = int(rng.random() < (0.12 if age > 365 else 0.02))
        reasons = []
        r = rng.random()
        if r < 0.08:
            reasons.append("sensitive (要配慮) personal data")
        elif r < 0.14:
            reasons.append("credit-card data (risk of financial damage)")
        elif r < 0.17:
            reasons.append("bank-account data (risk of financial damage)")
        wrongful = rng.random() < 0.05
        if wrongful:
            reasons.append("a wrongful purpose is suspected")
        r = rng.random()
        if r < 0.05:
            reasons.append("cause insider (possible wrongful purpose)")
        elif r < 0.30:
            reasons.append("cause external_attack (possible wrongful purpose)")
        if affected > 1000:
            reasons.append(f"{affected:,} people affected (more than 1,000)")
        found_iso = iso(found)
        incident = (key, pid, number, reference, programme, business, found_iso, iso(accident), affected, closed,
                    rng.randint(3, 60))

        def met(anchor: int, due: int, never: float, late: float) -> int | None:
            """When the meeting event happened (None: not yet, or never)."""
            if rng.random() < never:
                return None
            on = due + rng.randint(1, 30) if rng.random() < late else anchor + rng.randint(0, max(0, due - anchor))
            return on if on <= today else None

        out = []

        def add(name: str, due: int, rule: str, claim: str | None = None, met_on: int | None = None,
                applicable: bool = True, kind: str = "deadline") -> None:
            d = Deadline(name, date(due), rule, claim, date(met_on) if met_on is not None else None, applicable, kind)
            reminded = None
            if applicable and met_on is None and name != "claims_made_cutoff":
                left = due - today
                if left < 0 and kind != "window" and (left < -1 and rng.random() < 0.85):
                    reminded = -1  # overdue, and its overdue reminder sent (lane 3)
                elif left < 0:
                    reminded = 0  # the due-day reminder
                else:
                    reminded = min((o for o in OFFSETS if o >= left + 1), default=None)  # sweeps up to yesterday
            out.append((key, d.name, d.claim_ref or "", iso(due), iso(met_on) if met_on is not None else None,
                        int(d.applicable), d.kind, d.rule, programme, business, closed,
                        lane(d, reminded == -1), reminded))

        add("insurer_notice", found + notice_days, f"discovery {found_iso} + {notice_days} days (遅滞なく, programme setting)",
            met_on=met(found, found + notice_days, 0.005, 0.05))
        preliminary, notice = found + 4, found + 29
        final_days = 60 if any("wrongful" in x for x in reasons) else 30
        final_day = found + final_days - 1
        final_due = self._working(final_day)
        if not reasons:
            why = ("not reportable to the PPC (APPI 2022: no sensitive, financial or wrongful-purpose data, "
                   "1,000 people or fewer)")
            add("ppc_preliminary", preliminary, why, applicable=False)
            add("ppc_final", final_due, why, applicable=False)
            add("individual_notice", notice, why, applicable=False, kind="promptly")
        else:
            why = "reportable: " + "; ".join(reasons)
            final_rule = f"{final_days}th day counting the day of awareness {found_iso}"
            if final_days == 60:
                final_rule += " (possible wrongful purpose)"
            if final_due != final_day:
                final_rule += (f", moved from {calendar.label(date(final_day))} "
                               f"({calendar.closure_reason(date(final_day))}) to {calendar.label(date(final_due))}")
            add("ppc_preliminary", preliminary,
                f"5th day counting the day of awareness {found_iso} (速報: promptly, about 3-5 days; "
                f"a target, not moved for holidays); {why}", met_on=met(found, preliminary, 0.01, 0.15))
            add("ppc_final", final_due, f"{final_rule}; {why}", met_on=met(found, final_due, 0.01, 0.08))
            add("individual_notice", notice,
                f"promptly (速やかに); overdue after the 30th day counting {found_iso} (product bound); {why}",
                met_on=met(found, notice, 0.03, 0.10), kind="promptly")
        window = accident + EXPENSE_WINDOW_DAYS
        add("expense_window", window,
            f"accident date {iso(accident)}{' (estimated from the discovery date)' if estimated else ''} "
            f"+ {EXPENSE_WINDOW_DAYS} days (事故対応期間); expenses paid after it do not count", kind="window")
        if rng.random() < 0.12:
            for ref in (("C1", "C2") if rng.random() < 0.2 else ("C1",)):
                resolved = found + rng.randint(60, 700)
                if resolved <= today:
                    add("claim_filing_liability", resolved + 30,
                        f"claim {ref} resolved {iso(resolved)} (損害確定) + 30 days", claim=ref,
                        met_on=met(resolved, resolved + 30, 0.05, 0.10))
        finalized = window - rng.randint(0, 120) if rng.random() < 0.6 else None
        if finalized is not None and (finalized > today or finalized < found):
            finalized = None
        anchor = finalized if finalized is not None else window
        if rng.random() < 0.03:
            add("claim_filing_expenses", anchor + 30, "expense part excluded (intentional act of the insured)",
                applicable=False)
        else:
            add("claim_filing_expenses", anchor + 30,
                f"expenses finalized {iso(anchor)} + 30 days" if finalized is not None else
                f"expense window closes {iso(anchor)} + 30 days (no ExpensesFinalized yet)",
                met_on=met(anchor, anchor + 30, 0.12, 0.10))
        add("claims_made_cutoff", end, f"policy period ends {iso(end)} 16:00 JST; "
                                       "a claim received after it falls outside this policy", kind="window")
        return incident, out


class Loader:
    """A plain connection for the bulk load: drop the secondary indexes, insert, index again."""

    def __init__(self, url: str, view):
        self.postgres = url.startswith("postgres")
        self.tables = {name: view.table(name) for name in ("policies", "incidents", "deadlines")}
        self.tracking = view.tracking_table
        if self.postgres:
            import psycopg

            self.schema = view.datastore.schema
            self.conn = psycopg.connect(url)
            self.conn.execute(f'SET search_path TO "{self.schema}"')
            self.conn.execute("SET maintenance_work_mem = '512MB'")
            self.conn.commit()
        else:
            self.conn = sqlite3.connect(Settings(url).eventsourcing_env()["SQLITE_DBNAME"], isolation_level=None)
            for pragma in ("journal_mode = WAL", "synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
                self.conn.execute(f"PRAGMA {pragma}")

    def count(self, name: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {self.tables[name]}").fetchone()[0]

    def drop_indexes(self) -> None:
        for table, indexes in INDEXES.items():
            for name in indexes:
                self.conn.execute(f"DROP INDEX IF EXISTS {LIVE}{table}_{name}")
        self.commit()

    def begin(self) -> None:
        if not self.postgres:
            self.conn.execute("BEGIN")

    def commit(self) -> None:
        if self.postgres:
            self.conn.commit()
        elif self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def insert(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            with self.conn.cursor() as cur, cur.copy(f"COPY {self.tables[name]} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.conn.executemany(f"INSERT INTO {self.tables[name]} VALUES ({', '.join(['?'] * len(rows[0]))})", rows)

    def create_indexes(self) -> None:
        for statement in create_indexes(LIVE):
            self.conn.execute(statement)
        self.commit()

    def set_position(self, app_name: str, position: int) -> None:
        mark = "%s" if self.postgres else "?"
        self.conn.execute(f"DELETE FROM {self.tracking} WHERE application_name = {mark}", (app_name,))
        self.conn.execute(f"INSERT INTO {self.tracking} (application_name, notification_id) VALUES ({mark}, {mark})",
                          (app_name, position))
        self.commit()

    def finish(self) -> None:
        """What a database does by itself after a bulk load: statistics (PostgreSQL's autovacuum);
        SQLite gets none (casemgr never runs ANALYZE), only a WAL checkpoint."""
        if self.postgres:
            self.conn.autocommit = True
            self.conn.execute("VACUUM ANALYZE")
        else:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def generate(url: str, incidents: int) -> dict:
    """Write the read model of ``incidents`` incidents into the (empty) store at ``url``."""
    app = build_app(Settings(url), c.clock())
    readmodel = build_projection(app)  # creates the tables, the indexes and the tracking table
    view, app_name = readmodel.view, app.name
    loader = Loader(url, view)
    readmodel.close()
    app.close()
    if loader.count("incidents"):
        sys.exit("the read model is not empty: give an empty database")
    started = time.perf_counter()
    gen = Generator(incidents)
    specs = gen.incidents()
    t_specs = time.perf_counter() - started
    loader.drop_indexes()
    t_rows = t_insert = 0.0
    deadline_rows = 0
    policies = gen.policy_rows()
    loader.begin()
    loader.insert("policies", policies)
    for start in range(0, len(specs), CHUNK):
        t = time.perf_counter()
        incident_rows, rows = [], []
        for spec in specs[start:start + CHUNK]:
            incident, deadlines = gen.rows(spec)
            incident_rows.append(incident)
            rows.extend(deadlines)
        t_rows += time.perf_counter() - t
        t = time.perf_counter()
        loader.insert("incidents", incident_rows)
        loader.insert("deadlines", rows)
        deadline_rows += len(rows)
        if (start + CHUNK) % COMMIT_EVERY == 0:
            loader.commit()
            loader.begin()
        t_insert += time.perf_counter() - t
        if (start // CHUNK) % max(1, len(specs) // CHUNK // 10) == 0:
            print(f"  {start + len(incident_rows):,} incidents, {deadline_rows:,} deadline rows",
                  file=sys.stderr, flush=True)
    loader.commit()
    t = time.perf_counter()
    loader.create_indexes()
    t_index = time.perf_counter() - t
    position = incidents + len(policies)  # at least one event per incident and per policy
    loader.set_position(app_name, position)
    t = time.perf_counter()
    loader.finish()
    t_finish = time.perf_counter() - t
    total = time.perf_counter() - started
    written = len(policies) + incidents + deadline_rows
    return {"policies": len(policies), "deadline rows": deadline_rows, "rows written": written,
            "seconds": total, "ids and policies (pass 1)": t_specs, "row building": t_rows,
            "inserting": t_insert, "creating indexes": t_index,
            "statistics/checkpoint": t_finish, "rows/s": written / total}


# -- a throw-away PostgreSQL server ---------------------------------------------------------------

@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A database on a server started as the tests start theirs (tests/pg.py: fsync off),
    with 256 MB of shared buffers instead of the tests' 32 MB."""
    sys.path.insert(0, str(c.ROOT))
    from tests import pg

    pg.SERVER_SETTINGS = {**pg.SERVER_SETTINGS, "shared_buffers": "'256MB'"}
    cluster = pg._Cluster(pg._find_bindir())
    try:
        cluster.start()
        server = pg.PostgresServer(cluster.url)
        with server.connect() as conn:
            conn.execute("CREATE DATABASE readmodel")
        yield server.url_for("readmodel")
    finally:
        cluster.destroy()


# -- measuring ------------------------------------------------------------------------------------

def timed(fn: Callable[[int], object], runs: int, warmup: int) -> list[float]:
    """Milliseconds of ``runs`` calls fn(k), after ``warmup`` calls not counted."""
    for k in range(warmup):
        fn(k)
    times = []
    for k in range(runs):
        t = time.perf_counter()
        fn(k)
        times.append(1000 * (time.perf_counter() - t))
    return sorted(times)


def p(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, max(0, math.ceil(q * len(times)) - 1))]


@contextlib.contextmanager
def capture(view) -> Iterator[list[tuple[str, tuple]]]:
    """The SQL statements ``view.fetch`` is given while the block runs."""
    seen: list[tuple[str, tuple]] = []
    original = view.fetch

    def fetch(statement, params=()):
        seen.append((statement, tuple(params)))
        return original(statement, params)

    view.fetch = fetch
    try:
        yield seen
    finally:
        del view.fetch


def explain(view, postgres: bool, statements: list[tuple[str, tuple]]) -> None:
    shown = set()
    for statement, params in statements:
        if statement in shown:
            continue
        shown.add(statement)
        print(f"    SQL: {statement}\n    params: {params}")
        if postgres:
            for row in view.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, params):
                print("      " + row["QUERY PLAN"])
        else:
            for row in view.fetch("EXPLAIN QUERY PLAN " + statement, params):
                print("      " + row["detail"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 incidents")
    parser.add_argument("--incidents", type=int, help="incidents to generate (default 1,000,000; --quick 100,000)")
    parser.add_argument("--postgres", nargs="?", const="start", metavar="URL",
                        help="PostgreSQL: an empty database at URL, or (no URL) a throw-away server")
    parser.add_argument("--url", help="any casemgr database URL (an empty database, or one this script filled)")
    parser.add_argument("--db", metavar="FILE", help="SQLite file to keep; generated if missing, else measured again")
    parser.add_argument("--dir", default="/tmp", help="where the temporary store goes (default /tmp)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per dashboard query (default 200)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reminder-runs", type=int, default=20)
    parser.add_argument("--deep", type=int, default=1000, help="page number of the deep page (default 1,000)")
    parser.add_argument("--explain", action="store_true", help="print the query plans of each query's statements")
    args = parser.parse_args()
    incidents = args.incidents or (100_000 if args.quick else 1_000_000)
    with contextlib.ExitStack() as stack:
        if args.postgres == "start":
            url = stack.enter_context(postgres_database())
        elif args.postgres or args.url:
            url = args.postgres or args.url
        elif args.db:
            url = f"sqlite:///{Path(args.db).resolve()}"
        else:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="casemgr-bench-", dir=args.dir))
            url = f"sqlite:///{tmp}/readmodel.sqlite"
        postgres = url.startswith("postgres")
        kind = "PostgreSQL" + (" (throw-away server, fsync off, shared_buffers 256MB)"
                               if args.postgres == "start" else "") if postgres else "SQLite file (WAL)"
        print(f"store: {kind}; today {TODAY}; reminder offsets {OFFSETS}")
        fresh = not (args.db and Path(args.db).exists() and not postgres and not args.url)
        if fresh:
            print(f"generating the read model of {incidents:,} incidents (seed {SEED})")
            g = generate(url, incidents)
            print(f"  generated {incidents:,} incidents, {g['policies']:,} policies, {g['deadline rows']:,} "
                  f"deadline rows in {g['seconds']:.0f} s ({g['rows/s']:,.0f} rows/s)")
            print("  " + "; ".join(f"{k} {v:.0f} s" for k, v in g.items()
                                    if k not in ("seconds", "rows/s", "policies", "deadline rows", "rows written")))
        measure(url, postgres, args)


def measure(url: str, postgres: bool, args) -> None:
    app = build_app(Settings(url), c.clock())
    readmodel = build_projection(app)
    try:
        assert readmodel.lag == 0, readmodel.lag
        view = readmodel.view
        q = Queries(view)
        d, i = view.table("deadlines"), view.table("incidents")
        if not postgres:
            size = os.path.getsize(Settings(url).eventsourcing_env()["SQLITE_DBNAME"])
        else:
            size = view.fetch("SELECT pg_database_size(current_database()) AS n")[0]["n"]
        day = TODAY.isoformat()
        stats = view.fetch(
            f"SELECT COUNT(*) AS n, SUM(CASE WHEN lane IN (1, 3) AND due < %s THEN 1 ELSE 0 END) AS overdue,"
            f" SUM(CASE WHEN lane = 3 THEN 1 ELSE 0 END) AS lane3, SUM(CASE WHEN lane = 0 THEN 1 ELSE 0 END) AS done,"
            f" SUM(CASE WHEN lane IN (1, 2) AND due >= %s THEN 1 ELSE 0 END) AS ahead,"
            f" SUM(CASE WHEN programme = %s THEN 1 ELSE 0 END) AS big FROM {d}", (day, day, BIG))[0]
        n_incidents = view.fetch(f"SELECT COUNT(*) AS n, SUM(closed) AS closed FROM {i}")[0]
        print(f"read model: {n_incidents['n']:,} incidents ({n_incidents['closed'] / n_incidents['n']:.1%} closed), "
              f"{stats['n']:,} deadline rows: {stats['done'] / stats['n']:.1%} done (lane 0), "
              f"{stats['overdue']:,} overdue ({stats['overdue'] / stats['n']:.1%}; "
              f"{stats['lane3'] / max(1, stats['overdue']):.0%} of them reminded, lane 3), "
              f"{stats['ahead']:,} pending ahead; {BIG} holds {stats['big'] / stats['n']:.1%}; "
              f"database {size / 2**30:.2f} GiB")
        ids = [r["incident_id"] for r in view.fetch(f"SELECT incident_id FROM {i}")]
        businesses = sorted({r["business"] for r in view.fetch(f"SELECT DISTINCT business FROM {i}")})
        programmes = [r["programme"] for r in view.fetch(
            f"SELECT programme, COUNT(*) AS n FROM {i} GROUP BY programme ORDER BY n DESC")]
        rng = random.Random(SEED)
        pick_ids = [uuid.UUID(x) for x in rng.sample(ids, min(len(ids), args.runs + args.warmup))]
        del ids
        pick_b = rng.sample(businesses, min(len(businesses), args.runs + args.warmup))
        staff10 = tuple(programmes[:10])
        admin, big = Scope(), Scope(programmes=(BIG,))
        runs, warm = args.runs, args.warmup

        # (c) the walk to the deep page, timed once
        t = time.perf_counter()
        cursor, pages = None, 0
        for _ in range(args.deep - 1):
            page = q.deadlines(TODAY, admin, cursor=cursor)
            pages += 1
            cursor = page.next
            if cursor is None:
                break
        walk = time.perf_counter() - t
        deep_cursor = cursor

        queries: list[tuple[str, Callable[[int], object], int, int, float | None]] = [
            ("baseline: rm_incidents by primary key (Queries.incident_scope)",
             lambda k: q.incident_scope(pick_ids[k % len(pick_ids)]), runs, warm, None),
            ("admin dashboard, page 1, all statuses", lambda k: q.deadlines(TODAY, admin), runs, warm, DASHBOARD_MS),
            ("admin dashboard, page 1, actionable", lambda k: q.deadlines(TODAY, admin, ACTIONABLE), runs, warm,
             DASHBOARD_MS),
            (f"programme {BIG} (largest), page 1, all statuses", lambda k: q.deadlines(TODAY, big), runs, warm,
             DASHBOARD_MS),
            (f"programme {BIG} (largest), page 1, actionable", lambda k: q.deadlines(TODAY, big, ACTIONABLE), runs,
             warm, DASHBOARD_MS),
            ("staff of the 10 largest programmes, page 1, actionable",
             lambda k: q.deadlines(TODAY, Scope(programmes=staff10), ACTIONABLE), runs, warm, DASHBOARD_MS),
            (f"admin dashboard, page {args.deep:,}, all statuses",
             lambda k: q.deadlines(TODAY, admin, cursor=deep_cursor), runs, warm, DASHBOARD_MS),
            ("insured user's incident list (random business)",
             lambda k: q.incidents(TODAY, Scope(businesses=(pick_b[k % len(pick_b)],))), runs, warm, DASHBOARD_MS),
            ("insured user's deadlines, page 1 (random business)",
             lambda k: q.deadlines(TODAY, Scope(businesses=(pick_b[k % len(pick_b)],))), runs, warm, DASHBOARD_MS),
            ("deadline counts, admin (overdue, due_soon, open)", lambda k: q.deadline_counts(TODAY, admin),
             max(5, runs // 10), 2, None),
            (f"deadline counts, programme {BIG}", lambda k: q.deadline_counts(TODAY, big), max(5, runs // 10), 2, None),
            (f"reminder_candidates(today, {OFFSETS})", lambda k: q.reminder_candidates(TODAY, OFFSETS),
             args.reminder_runs, 2, REMINDER_MS),
        ]
        if deep_cursor is None:
            print(f"  (only {pages + 1} pages: the deep page is the last one)")
        results = []
        for name, fn, n, w, target in queries:
            with capture(view) as statements:
                result = fn(0)
            size_ = len(result.rows) if hasattr(result, "rows") else len(result) if hasattr(result, "__len__") else 1
            if args.explain:
                print(f"\n  {name}: {len(statements)} statements")
                explain(view, postgres, statements)
            times = timed(fn, n, w)
            results.append((name, n, len(statements), size_, p(times, 0.5), p(times, 0.95), target))
            print(f"  measured: {name}", file=sys.stderr, flush=True)
        base = results[0][4]
        print()
        rows = []
        for name, n, statements, size_, p50, p95, target in results:
            met = "" if target is None else ("met" if p95 < target else "MISSED")
            shown = "(report)" if target is None and results[0][0] != name else \
                "" if target is None else f"p95 < {target:,.0f} ms"
            rows.append([name, n, statements, size_, f"{p50:.2f}", f"{p95:.2f}", f"{p50 / base:,.0f}×", shown, met])
        c.table(["query", "runs", "SQL", "rows", "p50 ms", "p95 ms", "p50 / PK", "target", "met?"], rows)
        print(f"\nwalk to page {args.deep:,} (page 1 to {pages:,}, 50 rows each, following the cursors): "
              f"{walk:.1f} s, {1000 * walk / max(1, pages):.1f} ms a page")
        missed = [r[0] for r in results if r[6] is not None and r[5] >= r[6]]
        print("all targets met" if not missed else f"targets missed: {'; '.join(missed)}")
    finally:
        readmodel.close()
        app.close()


if __name__ == "__main__":
    main()
