"""The workers' work, timed: the reminder sweep over a million incidents, mails per second
to a local SMTP server, and how far the read model and the stored statements trail a
steady 100 events/s with real redis-server, celery worker and beat processes.

1. **Sweep.** The read model of N incidents (default 1,000,000) is made by
   bench/readmodel.py's ``generate`` (straight into the view tables of an SQLite file; same
   rows, seed and "today" 2026-11-22). The businesses and programmes the due reminders name
   are added to the event store of the same file (a contact each, one staff user per
   programme), so ``reminders_due`` looks up real recipients. Timed, through a
   ``casemgr.bootstrap`` core: ``Queries.reminder_candidates`` (the query alone),
   ``service.reminders_due(system, day)`` (with the recipients) and ``service.sweep(system,
   day)`` (which also plans each into the ledger; the ledger is emptied before each run, and
   a sweep over a ledger already planned is timed too). Two days: the generated day as it is
   (≈ 20,000 overdue reminders at 1 M were never sent: a backlog, as after an outage), and
   the same day in steady state (that backlog marked sent in ``rm_deadlines`` as
   ``ReminderSent`` would, and put back afterwards): what a daily sweep finds.
2. **Mails.** A store of incidents discovered in the last days (drill-style: businesses with
   a Japanese contact, an English-speaking staff user, so two mails a reminder), an aiosmtpd
   server on loopback (tests/workers/conftest.py's ``Mailbox``). The day's sweep is planned,
   then every planned reminder is delivered with ``service.deliver_reminder`` in this
   process (lease, load, check, two SMTP sessions, ``ReminderSent``, ledger). Baseline, same
   process, same server: the very mails casemgr sent, sent again with plain ``smtplib`` (a
   connection per mail, as casemgr's ``SmtpMailer``; and all over one connection). Then the
   same through real Celery workers with Redis (a fresh store, ``--concurrency`` processes):
   tasks ``casemgr.send_reminder`` sent as ``workers.tasks.dispatch`` sends them.
3. **Lag.** A store of a few hundred incidents with some history; redis-server, a celery
   worker and ``celery beat`` (whose outbox follower catches the read model up and sends
   ``casemgr.recompute_statements``) as the worker tests start them; a writer process
   records NoteAdded / ExpensePaid at a steady rate (default 100/s). For each event, the
   time from its commit until (a) the read model's position reaches it (``status().view_lag``
   would be 0) and (b) a stored statement of its incident has its version. This process
   polls the view's tracking position and ``wk_statements`` every 20 ms (figures are upper
   bounds at that resolution). Writer ``app``: ``CaseManager.record`` only, so the follower
   alone catches the view up; writer ``service``: ``service.record`` as the web app does
   (the writer catches the view up after its own write). On SQLite, and on a throw-away
   PostgreSQL server started as tests/pg.py does.

    .venv/bin/python -m bench.workers [--quick] [--incidents N] [--db FILE | --no-cache] [--runs N]
                                      [--sweep-postgres] [--reminders N] [--concurrency N] [--rate N]
                                      [--seconds N] [--writer app|service|both] [--no-postgres | --postgres-only]
                                      [--only sweep,mail,lag] [--profile] [--keep]

The generated read model is kept for later runs as <dir>/casemgr-bench-readmodel-<N>.sqlite
(4 GiB at 1 M; generating it takes ≈ 5 min; the accounts the sweep looks up are added once)
unless --no-cache; --db FILE names another file. The writer stops at the end of its
--seconds whether or not it kept up (the rate it reached is reported). --profile prints
cProfile output for the sweep, the in-process delivery and the writer; --keep leaves the
temporary stores and the celery/beat logs in place. --quick: 100,000 incidents, 300
reminders, 20 s of writes, the lag on SQLite only.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import signal
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
    sys.path.pop(0)  # run as bench/workers.py: ``workers`` must stay the app's package, not this file
sys.path.insert(0, str(ROOT))
sys.path.append(str(HERE))  # _common, readmodel (as the other scripts import them)

import _common as c  # noqa: E402
import readmodel as rm  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from casemgr.bootstrap import bootstrap, build_app, build_projection  # noqa: E402
from casemgr.errors import NotFound  # noqa: E402
from casemgr.mail import SmtpMailer  # noqa: E402
from casemgr.readmodels.queries import Queries  # noqa: E402
from casemgr.readmodels.view import LIVE, WORK  # noqa: E402
from casemgr.settings import Settings  # noqa: E402
from events.accounts import Business, business_id  # noqa: E402
from events.values import JST, Actor  # noqa: E402
from tests.workers.conftest import Instance, Mailbox, RedisServer, free_port, wait_until  # noqa: E402

SYSTEM = Actor("system", "bench")
OPERATOR = c.OPERATOR
SWEEP_MS = 1000.0
LAG_S = 1.0
MAIL_DAY = dt.date(2026, 11, 24)  # the mail store's day (the worker drills' day)
POLL = 0.02  # seconds between the lag observer's reads


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    return rm.p(sorted(values), q) if values else float("nan")


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    return sorted(out)


def profiled(title: str, fn, pattern: str = r"casemgr|events/|sqlite3|psycopg|smtplib|eventsourcing") -> None:
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(pattern, 30)
    stats.sort_stats("tottime").print_stats(15)
    print(f"\n-- profile: {title} ({time.perf_counter() - t:.2f} s under cProfile)\n{out.getvalue()}")


class Stamped(Mailbox):
    """The tests' mailbox, noting when each mail was accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 — aiosmtpd's hook name
        answer = await super().handle_DATA(server, session, envelope)
        with self.lock:
            self.times.append(time.time())
        return answer


@contextlib.contextmanager
def smtp_server():
    mailbox = Stamped()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{controller.port}", controller.port, mailbox
    finally:
        controller.stop()


@contextlib.contextmanager
def redis_server(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def instance(folder: Path, database: str, now: dt.datetime, **extra: str) -> Instance:
    """An instance folder as the worker tests make one (movable file clock set to ``now``)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {"CASEMGR_INSTANCE": str(folder), "CASEMGR_DATABASE_URL": database,
           "CASEMGR_CLOCK": f"file:{folder / 'clock'}", "CASEMGR_BASE_URL": "https://casemgr.test", **extra}
    made = Instance(folder, env)
    made.clock.set(now)
    return made


# -- 1. the sweep over the generated read model ---------------------------------------------------

def sweep_accounts(url: str, day: dt.date) -> tuple[int, int]:
    """The businesses (a Japanese contact each) and programmes (an English-speaking staff user
    each) the reminders due on ``day`` name, in the event store of the read model's file;
    (businesses, users) added. Businesses are made by the domain's own ``Business.create``
    and saved 2,000 to a transaction (``Accounts.add_business`` saves one at a time: ≈ 3 min
    for 19,000); users through ``Accounts.add_user``."""
    with view_of(url) as view:
        pairs = {(r.business, r.programme) for r, _ in
                 Queries(view).reminder_candidates(day, Settings(url).reminder_offsets)}
    with bootstrap(Settings(url), c.clock()) as core:
        accounts, app = core.accounts, core.accounts.app
        users = 0
        for programme in sorted({p for _, p in pairs}):
            accounts.ensure_programme(programme, OPERATOR)
            email = f"staff-{programme.lower()}@insurer.example.jp"
            try:
                accounts.user(email, OPERATOR)
            except NotFound:
                accounts.add_user(email, "staff", f"Staff {programme}", "en", "bench-password-2026", OPERATOR,
                                  programmes=[programme])
                users += 1
        missing = [b for b in sorted({b for b, _ in pairs}) if business_id(b) not in app.repository]
        now = core.clock.now()
        for start in range(0, len(missing), 2000):
            app.save(*(Business.create(b, f"{b} K.K.", "", 0, [f"risk@{b.lower()}.example.jp"], "ja", OPERATOR,
                                       now) for b in missing[start:start + 2000]))
        return len(missing), users


@contextlib.contextmanager
def view_of(url: str):
    """The read model's tables, for the bench's own housekeeping (emptying the ledger)."""
    app = build_app(Settings(url), c.clock())
    readmodel = build_projection(app)
    try:
        yield readmodel.view
    finally:
        readmodel.close()
        app.close()


@contextlib.contextmanager
def steady_state(url: str, day: dt.date):
    """The day's backlog (overdue by more than a day, overdue reminder never sent: lane 1)
    marked sent as ``ReminderSent`` would (lane 3, reminded -1); put back afterwards."""
    with view_of(url) as view:
        loader = rm.Loader(url, view)
    d = loader.tables["deadlines"]
    mark = "%s" if loader.postgres else "?"
    cutoff = (day - dt.timedelta(days=1)).isoformat()
    keys = loader.conn.execute(f"SELECT incident_id, deadline, claim_ref, reminded FROM {d}"
                               f" WHERE closed = 0 AND lane = 1 AND due < {mark}", (cutoff,)).fetchall()

    def put(rows: list[tuple]) -> None:
        loader.begin()
        with contextlib.closing(loader.conn.cursor()) as cur:
            cur.executemany(f"UPDATE {d} SET lane = {mark}, reminded = {mark} WHERE incident_id = {mark}"
                            f" AND deadline = {mark} AND claim_ref = {mark}", rows)
        loader.commit()

    put([(3, -1, i, name, claim) for i, name, claim, _ in keys])
    try:
        yield len(keys)
    finally:
        put([(1, reminded, i, name, claim) for i, name, claim, reminded in keys])
        loader.conn.close()


def checkpoint(url: str) -> None:
    """SQLite: write the WAL back into the database file before a timed run, so that a run
    does not pay for the bench's own bulk writes (accounts, the steady-state marks, emptying
    the ledger) in its commits' automatic checkpoints."""
    if not url.startswith("sqlite"):
        return
    conn = sqlite3.connect(Settings(url).eventsourcing_env()["SQLITE_DBNAME"], timeout=60)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def measure_sweep(url: str, runs: int, profile: bool) -> list[dict]:
    day = rm.TODAY
    added = sweep_accounts(url, day)
    note(f"  accounts for the due reminders: {added[0]:,} businesses and {added[1]:,} staff users added"
         f" (0: kept from an earlier run)")
    results = []
    for label, context, n in (("generated day (with a backlog)", contextlib.nullcontext(0), min(runs, 2)),
                              ("steady day (backlog sent)", steady_state(url, day), runs)):
        with context as marked, bootstrap(Settings(url), c.clock()) as core, view_of(url) as view:
            service = core.service
            queries = Queries(view)
            ledger = view.table("reminders", WORK)
            offsets = core.settings.reminder_offsets
            checkpoint(url)
            queries.reminder_candidates(day, offsets)  # warm
            t_query = timed(lambda: queries.reminder_candidates(day, offsets), n)
            due = service.reminders_due(SYSTEM, day)
            t_due = timed(lambda: service.reminders_due(SYSTEM, day), max(1, n - 1))
            overdue = sum(1 for r in due if r.offset_days == -1)
            pairs = len({(r.business, r.programme) for r in due})
            t_sweep, planned = [], 0
            for _ in range(max(1, n // 2)):
                view.execute(f"DELETE FROM {ledger}")
                checkpoint(url)
                t = time.perf_counter()
                result = service.sweep(SYSTEM, day)
                t_sweep.append(1000 * (time.perf_counter() - t))
                planned = len(result.planned)
            t_again = timed(lambda: service.sweep(SYSTEM, day), max(1, n // 2))
            if profile:
                profiled(f"reminders_due, {label}", lambda: service.reminders_due(SYSTEM, day))
                view.execute(f"DELETE FROM {ledger}")
                checkpoint(url)
                profiled(f"sweep, {label}", lambda: service.sweep(SYSTEM, day))
            view.execute(f"DELETE FROM {ledger}")
        results.append({"label": label, "due": len(due), "overdue": overdue, "marked": marked, "pairs": pairs,
                        "query": t_query, "due_ms": t_due, "sweep": sorted(t_sweep), "again": t_again,
                        "planned": planned})
        note(f"  measured: sweep, {label}")
    return results


# -- 2. mails per second ----------------------------------------------------------------------------

def discovery(on: dt.date, k: int) -> dict:
    return {"type": "LeakDiscovered", "on": on.isoformat(), "summary": f"USB stick lost ({k})",
            "cause": "negligence", "media": "electronic", "data_items": ["name", "credit_card"], "affected_count": 1200}


def populate_mail(made: Instance, incidents: int, businesses: int = 10) -> None:
    """Businesses with a Japanese contact, a staff user in English for programme default,
    and incidents discovered 0-5 days before the day: deadlines due around it (as the drills)."""
    with made.core() as core:
        core.accounts.ensure_programme("default", OPERATOR)
        core.accounts.add_user("staff@insurer.example.jp", "staff", "Staff", "en", "bench-password-2026", OPERATOR,
                               programmes=["default"])
        per = -(-incidents // businesses)
        for b in range(businesses):
            code = f"M{b:03d}"
            core.accounts.add_business(code, f"Mail {b} KK", OPERATOR, contacts=[f"risk@m{b:03d}.example.jp"],
                                       lang="ja")
            log = c.incident_log(f"MAIL-2026-{b:03d}", {})
            log["policy"].update(period_start="2026-04-01T00:00:00+09:00", period_end="2027-04-01T00:00:00+09:00",
                                 insured={**log["policy"]["insured"], "code": code})
            log["incidents"] = [{"reference": f"INC-{n}",
                                 "events": [discovery(MAIL_DAY - dt.timedelta(days=n % 6), n)]}
                                for n in range(per) if b * per + n < incidents]
            core.service.import_log(OPERATOR, log)


class Recording:
    """A mailer that keeps what it handed over (the baseline sends the same mails again)."""

    def __init__(self, inner):
        self.inner = inner
        self.messages = []

    def send(self, message):
        refused = self.inner.send(message)
        self.messages.append(message)
        return refused


def incidents_for(reminders: int) -> int:
    return max(5, -(-reminders // 2))  # two reminders due on MAIL_DAY per incident (measured)


def measure_mail_inprocess(tmp: Path, reminders: int, profile: bool) -> dict:
    with smtp_server() as (smtp_url, port, mailbox):
        made = instance(tmp / "mail", f"sqlite:///{tmp / 'mail' / 'casemgr.sqlite'}",
                        dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST), CASEMGR_SMTP_URL=smtp_url)
        populate_mail(made, incidents_for(reminders))
        with made.core() as core:
            service = core.service
            t = time.perf_counter()
            swept = service.sweep(SYSTEM, MAIL_DAY)
            t_sweep = time.perf_counter() - t
            keys = swept.planned[:reminders]
            mailer = Recording(SmtpMailer(smtp_url))
            if profile:  # a fifth of them under the profiler, left out of the figures
                run, keys = keys[:max(1, len(keys) // 5)], keys[max(1, len(keys) // 5):]
                profiled(f"deliver_reminder × {len(run)}",
                         lambda: [service.deliver_reminder(SYSTEM, k, mailer, MAIL_DAY) for k in run],
                         r"casemgr|events/|smtplib|sqlite3|email/|eventsourcing")
            before = len(mailer.messages)
            states: dict[str, int] = {}
            t = time.perf_counter()
            for key in keys:
                outcome = service.deliver_reminder(SYSTEM, key, mailer, MAIL_DAY)
                states[outcome.state] = states.get(outcome.state, 0) + 1
            t_deliver = time.perf_counter() - t
            messages = mailer.messages[before:]
            delivered, mails = len(keys), len(messages)
        # the baseline: the same mails, the same server, plain smtplib
        t = time.perf_counter()
        for m in messages:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
                s.send_message(m)
        t_raw = time.perf_counter() - t
        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            for m in messages:
                s.send_message(m)
        t_one = time.perf_counter() - t
        received = len(mailbox.messages)
    note("  measured: mails in-process")
    return {"planned": len(swept.planned), "sweep_s": t_sweep, "reminders": delivered, "mails": mails,
            "seconds": t_deliver, "states": states, "raw_s": t_raw, "one_s": t_one, "received": received}


def measure_mail_celery(tmp: Path, reminders: int, concurrency: int) -> dict:
    from celery import Celery

    folder = tmp / "mail-celery"
    with smtp_server() as (smtp_url, _, mailbox), redis_server(tmp / "redis-mail") as redis:
        made = instance(folder, f"sqlite:///{folder / 'casemgr.sqlite'}", dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST),
                        CASEMGR_SMTP_URL=smtp_url, CASEMGR_BROKER_URL=redis.url)
        populate_mail(made, incidents_for(reminders))
        client = Celery("bench", broker=redis.url)
        try:
            with made.core() as core:
                service = core.service
                keys = service.sweep(SYSTEM, MAIL_DAY).planned[:reminders]
                made.worker(concurrency=concurrency)
                wait_until(lambda: "ready." in made.log("worker"), 60, what="the celery worker to be ready")
                t0 = time.time()
                for key in service.queue_reminders(SYSTEM, keys):  # as workers.tasks.dispatch does
                    client.send_task("casemgr.send_reminder", args=[key], queue="casemgr")
                t_sent = time.time()

                def settled() -> bool:  # every dispatched reminder sent or superseded
                    counts = service.status(SYSTEM).ledger
                    return counts.get("sent", 0) + counts.get("superseded", 0) >= len(keys)

                wait_until(settled, 600, every=0.2, what="the ledger to settle")
                t_done = time.time()
                counts = service.status(SYSTEM).ledger
        finally:
            made.stop_all()
            client.close()
        times = sorted(mailbox.times)
    note("  measured: mails through celery")
    return {"reminders": len(keys), "mails": len(times), "seconds": t_done - t0, "dispatch_s": t_sent - t0,
            "first_s": times[0] - t0 if times else float("nan"),
            "span_s": times[-1] - times[0] if len(times) > 1 else float("nan"), "ledger": counts,
            "concurrency": concurrency}


# -- 3. lag under a steady write rate ----------------------------------------------------------------

def history_of(n: int) -> list[dict]:
    """bench/_common's realistic mix (notes, costs, claims), its reminders as notes."""
    return [c.note(k) if e["type"] == "ReminderSent" else e for k, e in enumerate(c.realistic(n))]


def populate_lag(made: Instance, incidents: int, per_policy: int, history: int) -> list[str]:
    """Policies of ``per_policy`` incidents, each with ``history`` events; the incident ids."""
    out = []
    with made.core() as core:
        for p in range(-(-incidents // per_policy)):
            refs = {f"INC-{k}": history_of(history) for k in range(per_policy) if p * per_policy + k < incidents}
            log = c.incident_log(f"LAG-2005-{p:04d}", refs)
            log["policy"]["insured"] = {**log["policy"]["insured"], "code": f"L{p:04d}"}
            out += [str(i) for i in core.service.import_log(OPERATOR, log).incidents.values()]
    return out


def writer_main(spec_path: str) -> None:
    """The writer process: events at a steady rate; what it wrote, as JSON lines."""
    spec = json.loads(Path(spec_path).read_text())
    settings = Settings.from_env(spec["env"])
    from casemgr.clock import clock_from

    clock = clock_from(settings.clock)
    rng = random.Random(spec["seed"])
    incidents = spec["incidents"]
    rate, seconds, mode = spec["rate"], spec["seconds"], spec["mode"]
    core = bootstrap(settings, clock) if mode == "service" else None
    app = build_app(settings, clock) if mode == "app" else None
    out = []
    start = float(spec["start"])
    prof = cProfile.Profile() if spec.get("profile") else None
    if prof:
        prof.enable()
    try:
        k = 0
        while True:  # the k-th event is due at start + k / rate; a writer behind schedule writes at once
            due = start + k / rate
            if due >= start + seconds or time.time() >= start + seconds:
                break
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            incident = incidents[rng.randrange(len(incidents))]
            event = c.note(k) if k % 2 else {"type": "ExpensePaid", "on": c.ON, "category": "consulting",
                                              "cost_yen": 10_000 + k, "vendor": "bench"}
            t = time.time()
            if core is not None:
                new_id = core.service.record(OPERATOR, incident, event).id
                position = core.service.notification_count()
            else:
                new_id = app.record(uuid.UUID(incident), event, OPERATOR)
                position = app.recorder.max_notification_id()
            out.append((incident, int(new_id[1:]), position, due, t, time.time()))
            k += 1
    finally:
        if prof:
            prof.disable()
            text = io.StringIO()
            stats = pstats.Stats(prof, stream=text)
            stats.sort_stats("cumulative").print_stats(r"casemgr|events/|eventsourcing|sqlite3|psycopg", 35)
            stats.sort_stats("tottime").print_stats(15)
            Path(spec["out"] + ".profile.txt").write_text(text.getvalue())
        Path(spec["out"]).write_text("\n".join(json.dumps(r) for r in out))
        if core is not None:
            core.close()
        if app is not None:
            app.close()


class Observer:
    """Polls the view's position and the stored statements' versions; the first time each
    (position, incident version) was seen."""

    def __init__(self, url: str):
        self.app = build_app(Settings(url), c.clock())
        self.readmodel = build_projection(self.app)
        self.view = self.readmodel.view
        self.statements = self.view.table("statements", WORK)
        self.positions: list[tuple[float, int]] = []  # (time seen, view position), when it changed
        self.versions: dict[str, list[tuple[float, int]]] = {}  # incident -> (time seen, stored version)
        self.reads: list[float] = []

    def poll(self) -> None:
        position = self.readmodel.position
        rows = self.view.fetch(f"SELECT incident_id, version FROM {self.statements}")
        now = time.time()
        if not self.positions or self.positions[-1][1] != position:
            self.positions.append((now, position))
        for r in rows:
            seen = self.versions.setdefault(r["incident_id"], [])
            if not seen or seen[-1][1] != r["version"]:
                seen.append((now, r["version"]))

    def view_at(self, position: int) -> float | None:
        return next((t for t, p in self.positions if p >= position), None)

    def statement_at(self, incident: str, version: int) -> float | None:
        return next((t for t, v in self.versions.get(incident, []) if v >= version), None)

    def close(self) -> None:
        self.readmodel.close()
        self.app.close()


def measure_lag(tmp: Path, database: str, backend: str, mode: str, args) -> dict:
    folder = tmp / f"lag-{backend}-{mode}"
    with contextlib.ExitStack() as stack, redis_server(folder / "redis") as redis:
        made = instance(folder, database, dt.datetime(2026, 11, 24, 8, 0, tzinfo=JST),  # before the 09:00 sweep
                        CASEMGR_BROKER_URL=redis.url)
        t = time.perf_counter()
        incidents = populate_lag(made, args.lag_incidents, args.per_policy, args.history)
        t_populate = time.perf_counter() - t
        note(f"lag, {backend}, writer {mode}: {len(incidents)} incidents stored in {t_populate:.1f} s;"
             " starting the workers")
        observer = Observer(database)
        status_core = made.core()
        try:
            made.worker(concurrency=args.concurrency)
            made.beat()
            wait_until(lambda: "ready." in made.log("worker"), 60, what="the celery worker to be ready")
            wait_until(lambda: "outbox follower started" in made.log("beat"), 60, what="the follower")

            def settled() -> bool:
                s = status_core.service.status(SYSTEM)
                return s.view_lag == 0 and s.follower_lag == 0 and s.stale_statements == 0
            t = time.perf_counter()
            wait_until(settled, 120, every=0.5, what="the first statements to be stored")
            t_initial = time.perf_counter() - t
            note(f"  first statements stored in {t_initial:.1f} s; writing {args.rate:g}/s for {args.seconds:g} s")
            out = folder / "writer.jsonl"
            spec = folder / "writer.json"
            start = time.time() + 1.0
            spec.write_text(json.dumps({"env": made.env, "incidents": incidents, "rate": args.rate,
                                        "seconds": args.seconds, "mode": mode, "seed": 8, "start": start,
                                        "out": str(out), "profile": args.profile}))
            writer = subprocess.Popen([sys.executable, "-m", "bench.workers", "--writer-spec", str(spec)], cwd=ROOT,
                                      env={**os.environ, **made.env})
            stack.callback(lambda: writer.poll() is None and writer.kill())
            statuses = []
            last_status = 0.0
            while writer.poll() is None:
                observer.poll()
                if time.time() - last_status > 1.0:
                    statuses.append(status_core.service.status(SYSTEM))
                    last_status = time.time()
                time.sleep(POLL)
            if writer.returncode:
                sys.exit(f"the writer failed ({writer.returncode})")
            if args.profile:
                print(f"\n-- profile: the writer ({mode}, {backend})\n" + Path(f"{out}.profile.txt").read_text())
            written = [json.loads(line) for line in out.read_text().splitlines()]
            final_position = max(r[2] for r in written)
            final = {}
            for incident, version, *_ in written:
                final[incident] = max(final.get(incident, 0), version)
            drain_until = time.time() + 120
            while time.time() < drain_until:
                observer.poll()
                if observer.positions[-1][1] >= final_position and all(
                        observer.statement_at(i, v) is not None for i, v in final.items()):
                    break
                time.sleep(POLL)
            drained = time.time()
            note(f"  written; drained {drained - written[-1][5]:.1f} s after the last write")
            tasks = task_times(made.log("worker"), "casemgr.recompute_statements")
        finally:
            made.stop_all()
            status_core.close()
            observer.close()
    view_lag, statement_lag, missing = [], [], 0
    for incident, version, position, due, before, after in written:
        seen = observer.view_at(position)
        stored = observer.statement_at(incident, version)
        if seen is None or stored is None:
            missing += 1
            continue
        view_lag.append(max(0.0, seen - after))
        statement_lag.append(max(0.0, stored - after))
    span = written[-1][5] - written[0][4] if len(written) > 1 else float("nan")
    windows: dict[int, list[float]] = {}
    for r, lag in zip((r for r in written if observer.statement_at(r[0], r[1]) is not None), statement_lag):
        windows.setdefault(int((r[5] - written[0][4]) // 5), []).append(lag)
    behind = [max(0.0, r[4] - r[3]) for r in written]
    note(f"  measured: lag, {backend}, writer {mode}")
    return {"backend": backend, "mode": mode, "events": len(written), "rate": (len(written) - 1) / span,
            "write_ms": sorted(1000 * (r[5] - r[4]) for r in written), "behind_max": max(behind, default=0),
            "view": sorted(view_lag), "statement": sorted(statement_lag), "missing": missing,
            "drain_s": drained - written[-1][5], "populate_s": t_populate, "initial_s": t_initial,
            "incidents": len(incidents), "max_view_lag": max((s.view_lag for s in statuses), default=0),
            "max_follower_lag": max((s.follower_lag for s in statuses), default=0),
            "max_stale": max((s.stale_statements for s in statuses), default=0),
            "windows": [pct(windows[k], .95) for k in sorted(windows)], "tasks": tasks}


def task_times(log: str, name: str) -> list[float]:
    """Seconds each task of that name took, from the worker's log ("succeeded in 0.05s")."""
    out = []
    for line in log.splitlines():
        if f"Task {name}[" in line and " succeeded in " in line:
            out.append(float(line.split(" succeeded in ")[1].split("s:")[0]))
    return sorted(out)


# -- the run ------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100,000 incidents, 300 reminders, 20 s of writes, SQLite only for the lag")
    parser.add_argument("--incidents", type=int, help="read model size for the sweep (default 1,000,000)")
    parser.add_argument("--db", metavar="FILE", help="SQLite file of the generated read model, made if missing, kept"
                        " (default: <dir>/casemgr-bench-readmodel-<N>.sqlite)")
    parser.add_argument("--no-cache", action="store_true", help="generate the read model into the temporary folder"
                        " (removed at the end) instead of keeping it")
    parser.add_argument("--dir", default="/tmp", help="where the stores go (default /tmp)")
    parser.add_argument("--runs", type=int, default=6, help="timed runs of each sweep call (default 6)")
    parser.add_argument("--sweep-postgres", action="store_true",
                        help="also generate the read model on a throw-away PostgreSQL server and time the sweep there")
    parser.add_argument("--reminders", type=int, help="reminders to deliver (default 1,000; --quick 300)")
    parser.add_argument("--concurrency", type=int, default=2, help="celery worker processes (default 2)")
    parser.add_argument("--rate", type=float, default=100.0, help="events per second written (default 100)")
    parser.add_argument("--seconds", type=float, help="seconds of writing (default 30; --quick 20)")
    parser.add_argument("--lag-incidents", type=int, default=300)
    parser.add_argument("--per-policy", type=int, default=3, help="incidents per policy in the lag store (default 3)")
    parser.add_argument("--history", type=int, default=30, help="events per incident before the run (default 30)")
    parser.add_argument("--writer", choices=("app", "service", "both"), default="both")
    parser.add_argument("--no-postgres", action="store_true", help="the lag on SQLite only")
    parser.add_argument("--postgres-only", action="store_true", help="the lag on PostgreSQL only")
    parser.add_argument("--only", default="sweep,mail,lag", help="which parts (default sweep,mail,lag)")
    parser.add_argument("--profile", action="store_true", help="cProfile the sweep, the delivery and the writer")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stores and the processes' logs")
    parser.add_argument("--writer-spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # ``timeout``/kill: stop the processes started
    if args.writer_spec:
        writer_main(args.writer_spec)
        return
    incidents = args.incidents or (100_000 if args.quick else 1_000_000)
    reminders = args.reminders or (300 if args.quick else 1000)
    args.seconds = args.seconds or (20.0 if args.quick else 30.0)
    parts = set(args.only.split(","))
    postgres_lag = not (args.no_postgres or args.quick)
    print(f"cores {os.cpu_count()}; Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}"
          " at the start")
    sweeps, mail, celery, lags = {}, None, None, []
    with contextlib.ExitStack() as stack:
        if args.keep:
            tmp = Path(tempfile.mkdtemp(prefix="casemgr-bench-workers-", dir=args.dir))
            print(f"stores and logs kept in {tmp}")
        else:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="casemgr-bench-workers-", dir=args.dir)))
        if "sweep" in parts:
            db = (tmp / "readmodel.sqlite" if args.no_cache else Path(args.db).resolve() if args.db
                  else Path(args.dir).resolve() / f"casemgr-bench-readmodel-{incidents}.sqlite")
            url = f"sqlite:///{db}"
            if not db.exists():
                print(f"generating the read model of {incidents:,} incidents (seed {rm.SEED}) into {db}")
                g = rm.generate(url, incidents)
                print(f"  generated {incidents:,} incidents, {g['deadline rows']:,} deadline rows"
                      f" in {g['seconds']:.0f} s")
            else:
                print(f"read model: {db} (made by an earlier run; delete it to generate again)")
            if not args.no_cache:
                print(f"  kept for later runs: {db} ({db.stat().st_size / 2**30:.1f} GiB)")
            sweeps["SQLite"] = (incidents_in(url), measure_sweep(url, args.runs, args.profile))
            if args.sweep_postgres:
                with rm.postgres_database() as pg_url:
                    print(f"generating the read model of {incidents:,} incidents on PostgreSQL")
                    g = rm.generate(pg_url, incidents)
                    print(f"  generated in {g['seconds']:.0f} s")
                    sweeps["PostgreSQL"] = (incidents, measure_sweep(pg_url, args.runs, args.profile))
        if "mail" in parts:
            mail = measure_mail_inprocess(tmp, reminders, args.profile)
            celery = measure_mail_celery(tmp, reminders, args.concurrency)
        if "lag" in parts:
            modes = ("app", "service") if args.writer == "both" else (args.writer,)
            for mode in modes if not args.postgres_only else ():
                lags.append(measure_lag(tmp, f"sqlite:///{tmp / f'lag-SQLite-{mode}' / 'casemgr.sqlite'}", "SQLite",
                                        mode, args))
            if postgres_lag:
                for mode in modes:
                    with rm.postgres_database() as pg_url:
                        lags.append(measure_lag(tmp, pg_url, "PostgreSQL", mode, args))
    report(sweeps, mail, celery, lags, args)
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine counts too)")


def incidents_in(url: str) -> int:
    conn = sqlite3.connect(Settings(url).eventsourcing_env()["SQLITE_DBNAME"])
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {LIVE}incidents").fetchone()[0]
    finally:
        conn.close()


def report(sweeps: dict, mail: dict | None, celery: dict | None, lags: list[dict], args) -> None:
    rows, missed = [], []
    section = ""

    def add(what: str, figure: str, target: str = "", ok: bool | None = None) -> None:
        met = "" if ok is None else ("met" if ok else "MISSED")
        if ok is False:
            missed.append(f"{section}: {what}")
        rows.append((section, [what, figure, target, met]))

    def ms(values: list[float]) -> str:
        return f"p50 {values[len(values) // 2]:,.0f} ms, max {values[-1]:,.0f} ms"

    def seconds(values: list[float]) -> str:
        top = max(values, default=float("nan"))
        return f"p50 {pct(values, .5):.3f} s, p95 {pct(values, .95):.3f} s, max {top:.3f} s"

    for backend, (n, results) in sweeps.items():
        for r in results:
            section = f"1. sweep, {backend}, {n:,} incidents, {r['label']}"
            add("due reminders", f"{r['due']:,} ({r['overdue']:,} overdue; {r['pairs']:,} business/programme pairs)")
            add("Queries.reminder_candidates (the query)", ms(r["query"]), f"< {SWEEP_MS:,.0f} ms",
                r["query"][-1] < SWEEP_MS)
            add("service.reminders_due (with recipients)", ms(r["due_ms"]), f"< {SWEEP_MS:,.0f} ms",
                r["due_ms"][-1] < SWEEP_MS)
            add(f"service.sweep (plans {r['planned']:,} into the ledger)", ms(r["sweep"]), f"< {SWEEP_MS:,.0f} ms",
                r["sweep"][-1] < SWEEP_MS)
            add("service.sweep again (all planned already)", ms(r["again"]))
    if mail:
        section = "2. mails to aiosmtpd on loopback"
        rate, mrate = mail["reminders"] / mail["seconds"], mail["mails"] / mail["seconds"]
        raw, one = mail["mails"] / mail["raw_s"], mail["mails"] / mail["one_s"]
        add("service.sweep of the mail store", f"{mail['planned']:,} planned in {1000 * mail['sweep_s']:,.0f} ms")
        add(f"deliver_reminder in-process, {mail['reminders']:,} reminders",
            f"{rate:,.1f} reminders/s, {mrate:,.1f} mails/s ({1000 / rate:,.1f} ms a reminder; "
            f"{', '.join(f'{k} {v}' for k, v in mail['states'].items())})")
        add("baseline: smtplib, a connection per mail", f"{raw:,.1f} mails/s (casemgr {mrate / raw:.0%} of it)")
        add("baseline: smtplib, one connection", f"{one:,.1f} mails/s (casemgr {mrate / one:.0%} of it)")
    if celery:
        add(f"celery worker ×{celery['concurrency']} + redis, {celery['reminders']:,} reminders",
            f"{celery['reminders'] / celery['seconds']:,.1f} reminders/s, {celery['mails'] / celery['seconds']:,.1f}"
            f" mails/s end to end ({celery['seconds']:.1f} s, first mail after {celery['first_s']:.1f} s);"
            f" {(celery['mails'] - 1) / celery['span_s']:,.1f} mails/s first to last; ledger {celery['ledger']}")
    for r in lags:
        section = f"3. lag, {r['backend']}, writer {r['mode']}"
        add("writes", f"{r['events']:,} events at {r['rate']:,.1f}/s (asked {args.rate:g}/s), {r['incidents']}"
            f" incidents, {args.per_policy} a policy; record p50 {pct(r['write_ms'], .5):,.1f} ms, p95"
            f" {pct(r['write_ms'], .95):,.1f} ms; at most {r['behind_max']:.2f} s behind schedule")
        add("(a) the read model reflects the event", seconds(r["view"]), f"p95 < {LAG_S:.0f} s",
            bool(r["view"]) and pct(r["view"], .95) < LAG_S)
        add("(b) a stored statement reflects it", seconds(r["statement"])
            + (f"; {r['missing']} never seen" if r["missing"] else ""), f"p95 < {LAG_S:.0f} s",
            bool(r["statement"]) and pct(r["statement"], .95) < LAG_S and not r["missing"])
        add("recompute_statements tasks", f"{len(r['tasks']):,} ({len(r['tasks']) / max(1, r['events']):.2f} an"
            f" event), p50 {1000 * pct(r['tasks'], .5):,.0f} ms, p95 {1000 * pct(r['tasks'], .95):,.0f} ms each;"
            f" (b) p95 by 5 s of writing: {', '.join(f'{x:.1f}' for x in r['windows'])} s")
        add("status() while writing", f"view_lag ≤ {r['max_view_lag']}, follower_lag ≤ {r['max_follower_lag']},"
            f" stale statements ≤ {r['max_stale']}; all reflected {r['drain_s']:.1f} s after the last write")
    headers = ["measurement", "figure", "target", "met?"]
    widths = [max(len(x[i]) for x in [headers] + [r for _, r in rows]) for i in range(4)]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    shown = None
    for sec, row in rows:
        if sec != shown:
            print(f"-- {sec}")
            shown = sec
        print("  ".join(x.ljust(w) for x, w in zip(row, widths)).rstrip())
    print("\ntargets: the due reminders found in < 1 s (the slowest run); lag p95 < 1 s")
    print("all targets met" if not missed else "targets missed:\n  " + "\n  ".join(missed))


if __name__ == "__main__":
    main()
