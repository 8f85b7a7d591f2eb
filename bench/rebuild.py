"""Deadline projection rebuild rate vs. raw notification reads and decoding on the same store.

The store is generated with import_log: logs of one policy with 50 incidents of ~100
events each (about 55% notes, 20% costs, 20% claim events, 5% reminders). import_log saves
a log in one transaction, so its incidents come out one after another; by default each
log is imported into a staging SQLite file and its stored events copied to the measured
store round-robin across the log's 50 incidents (policy events first), as if the 50 were
worked on side by side (--contiguous: import straight into the measured store). The
measured store then has no snapshots; the projection does not need them (its cache of
10,000 incidents holds every incident being worked on). Generation is timed but not measured.

    .venv/bin/python bench/rebuild.py [--quick] [--postgres URL] [--events N] [--contiguous]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import sys
import time

import _common as c
from eventsourcing.persistence import StoredEvent

from casemgr.bootstrap import build_app, build_projection
from casemgr.settings import Settings


def generate(args, app, tmp: str) -> tuple[int, int]:
    per_log = args.incidents_per_log * args.per_incident + args.incidents_per_log + 1
    logs = -(-args.events // per_log)
    staging = app if args.contiguous else build_app(Settings(f"sqlite:///{tmp}/staging.sqlite"), c.clock())
    position = 0
    for n in range(logs):
        incidents = {f"INC-{i}": c.realistic(args.per_incident) for i in range(args.incidents_per_log)}
        imported = staging.import_log(c.incident_log(f"RB-{n:05d}", incidents), c.OPERATOR)
        if staging is not app:
            stored = staging.recorder.select_notifications(position + 1, limit=per_log + 1)
            position = stored[-1].id
            streams: dict = {}
            for s in stored:
                streams.setdefault(s.originator_id, []).append(StoredEvent(s.originator_id, s.originator_version, s.topic, s.state))
            policy = streams.pop(imported.policy)
            mixed = policy + [e for group in itertools.zip_longest(*streams.values()) for e in group if e]
            for k in range(0, len(mixed), 1000):
                app.recorder.insert_events(mixed[k:k + 1000])
        if (n + 1) % max(1, logs // 10) == 0:
            print(f"  generated {n + 1}/{logs} logs", file=sys.stderr, flush=True)
    if staging is not app:
        staging.close()
    return app.recorder.max_notification_id() or 0, logs


def read_all(app, batch: int, decode: bool) -> tuple[int, float, float]:
    """Events read, seconds reading, seconds decoding (mapper.to_domain_event)."""
    count, t_read, t_decode, start = 0, 0.0, 0.0, 1
    while True:
        t = time.perf_counter()
        notifications = app.recorder.select_notifications(start, limit=batch)
        t_read += time.perf_counter() - t
        if not notifications:
            return count, t_read, t_decode
        if decode:
            t = time.perf_counter()
            for notification in notifications:
                app.mapper.to_domain_event(notification)
            t_decode += time.perf_counter() - t
        count += len(notifications)
        start = notifications[-1].id + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    c.add_store_args(parser)
    parser.add_argument("--events", type=int, help="events to generate (default 1,000,000; --quick 100,000)")
    parser.add_argument("--batch-size", type=int, default=2000, help="rebuild and read batch size")
    parser.add_argument("--per-incident", type=int, default=100)
    parser.add_argument("--incidents-per-log", type=int, default=50)
    parser.add_argument("--contiguous", action="store_true", help="keep each incident's events together")
    parser.add_argument("--profile", action="store_true", help="cProfile a second rebuild (use with --quick)")
    args = parser.parse_args()
    args.events = args.events or (100_000 if args.quick else 1_000_000)
    order = "contiguous" if args.contiguous else f"round-robin over {args.incidents_per_log} incidents"
    print(f"store: {c.store_kind(args)}; {args.events:,} events wanted; batch {args.batch_size}; order: {order}")
    with c.tempdir() as tmp:
        app = build_app(Settings(c.store_url(args, tmp, "rebuild")), c.clock())
        if app.recorder.max_notification_id():
            sys.exit("the store is not empty: give an empty PostgreSQL database")
        t = time.perf_counter()
        total, logs = generate(args, app, tmp)
        print(f"  generated {total:,} events in {time.perf_counter() - t:.0f} s (not measured)")

        n_raw, t_raw, _ = read_all(app, args.batch_size, decode=False)
        n_dec, t_read2, t_dec = read_all(app, args.batch_size, decode=True)
        try:
            projection = build_projection(app)
        except Exception as exc:  # report the read figures anyway
            projection, failure = None, f"{type(exc).__name__}: {exc}"
        if projection is not None:
            t = time.perf_counter()
            applied = projection.rebuild(batch_size=args.batch_size)
            t_rebuild = time.perf_counter() - t
            assert n_raw == n_dec == applied == total, (n_raw, n_dec, applied, total)
            deadline_rows = projection.deadlines(c.clock().now().date())
            assert len({row.incident for row in deadline_rows}) == logs * args.incidents_per_log

        raw, dec = total / t_raw, total / t_dec
        rows = [["raw read (select_notifications)", t_raw, raw, "1.00", 1e7 / raw],
                ["read again, for decoding", t_read2, total / t_read2, f"{raw / (total / t_read2):.2f}", 1e7 * t_read2 / total],
                ["decode only (to_domain_event)", t_dec, dec, f"{raw / dec:.2f}", 1e7 / dec]]
        if projection is not None:
            reb = total / t_rebuild
            rows.append(["rebuild (build_projection().rebuild)", t_rebuild, reb, f"{raw / reb:.2f}", 1e7 / reb])
        print()
        c.table(["stage", "seconds", "events/s", "time vs raw", "10M events, s"],
                [[r[0], f"{r[1]:.1f}", int(r[2]), r[3], f"{r[4]:,.0f}"] for r in rows])
        if projection is None:
            sys.exit(f"rebuild not measured: build_projection(app) failed: {failure}")
        print(f"rebuild/raw = {reb / raw:.1%}; rebuild of 10 million events ~ {1e7 / reb / 60:.1f} min; "
              f"target >= 33,000 events/s: {'met' if reb >= 33_000 else 'MISSED'}")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(projection.rebuild, batch_size=args.batch_size)
            print("\nprofile of a second rebuild, by own time:")
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        projection.close()
        app.close()


if __name__ == "__main__":
    main()
