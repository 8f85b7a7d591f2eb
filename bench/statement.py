"""Statement time for short and long incidents, with and without snapshots.

Each incident is imported on a policy of its own (so a statement loads just the incident
and its 2-event policy) with import_log, whose single save also takes the snapshots at
every multiple of the interval (100), so a 10,000-event incident has one at 10,000 and
a 10,099-event one loads its snapshot at 10,000 plus 99 events. The same incidents are
then read by a second application on the same store with snapshots off.

    .venv/bin/python bench/statement.py [--quick] [--postgres URL] [--runs N] [--sizes 100,10000]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

import _common as c
from casemgr.bootstrap import build_app
from casemgr.settings import Settings

MIXES = {"notes-heavy": c.notes_heavy, "all costs": c.all_costs}


def median_ms(fn, runs: int, budget_s: float = 10.0) -> tuple[float, int]:
    """Median of up to ``runs`` timed calls (at least 5; stops after ``budget_s``), and the count."""
    fn()  # warm-up
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < runs and (len(times) < 5 or time.perf_counter() - started < budget_s):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times), len(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    c.add_store_args(parser)
    parser.add_argument("--runs", type=int, help="timed runs per figure (default 200, --quick 30)")
    parser.add_argument("--sizes", default="100,10000,10099", help="incident lengths in events")
    parser.add_argument("--profile", action="store_true", help="cProfile the longest incident's statements")
    args = parser.parse_args()
    runs = args.runs or (30 if args.quick else 200)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"store: {c.store_kind(args)}; median of up to {runs} statements (at most ~10 s each figure)")
    with c.tempdir() as tmp:
        url = c.store_url(args, tmp, "statement")
        app = build_app(Settings(url, aggregate_cache=0), c.clock())  # each statement loads from the store
        incidents, alone = {}, {}
        small = min(sizes)
        for phase in ("small", "large"):  # the smallest incidents are measured alone first
            for mix, generate in MIXES.items():
                for size in sizes:
                    if (size == small) != (phase == "small"):
                        continue
                    t = time.perf_counter()
                    log = c.incident_log(c.unique("BENCH-ST"), {"INC-1": generate(size)})
                    incidents[mix, size] = app.import_log(log, c.OPERATOR).incidents["INC-1"]
                    print(f"  imported {mix} {size:,} events in {time.perf_counter() - t:.1f} s")
            if phase == "small":
                for mix in MIXES:
                    alone[mix] = median_ms(lambda: app.statement(incidents[mix, small]), runs)[0]
        plain, how = c.app_without_snapshots(url)
        assert plain.snapshots is None and plain.repository.snapshot_store is None
        print(f"  without snapshots: {how}; its repository has no snapshot store")

        rows, base = [], {}
        for (mix, size), incident in sorted(incidents.items(), key=lambda kv: (list(MIXES).index(kv[0][0]), kv[0][1])):
            snap = next(iter(app.snapshots.get(incident, desc=True, limit=1)), None)
            lines = len(app.statement(incident).statement.lines)
            assert plain.statement(incident) == app.statement(incident)
            with_s = median_ms(lambda: app.statement(incident), runs)[0]
            without = median_ms(lambda: plain.statement(incident), runs)[0]
            base.setdefault(mix, with_s)
            verdict = "" if size != 10_000 else (
                ("met" if with_s < 20 else "MISSED") + " / " + ("met" if with_s <= 3 * alone[mix] else "MISSED"))
            rows.append([mix, size, snap.originator_version if snap else "-", lines, f"{with_s:.2f}",
                         f"{without:.2f}", f"{without / with_s:.1f}x", f"{with_s / base[mix]:.1f}x",
                         f"{with_s / alone[mix]:.1f}x", verdict])
        print()
        c.table(["mix", "events", "snapshot at", "lines", "ms snapshots", "ms none", "none/snap",
                 f"x {small} here", f"x {small} alone", "<20 ms / <=3x"], rows)
        print(f"x {small} here: vs. the {small}-event statement in this store; x {small} alone: vs. the same "
              f"statement\nmeasured before the large incidents (and their snapshots) were imported: "
              + ", ".join(f"{m} {v:.2f} ms" for m, v in alone.items()))
        print("targets (10,000 events, with snapshots): under 20 ms, and at most 3x the 100-event statement (alone)")
        if args.profile:
            for mix in MIXES:
                incident = incidents[mix, max(sizes)]
                profile = cProfile.Profile()
                profile.runcall(lambda: [app.statement(incident) for _ in range(20)])
                print(f"\nprofile: 20 statements, {mix}, {max(sizes):,} events, by cumulative time")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(18)
        app.close()
        plain.close()


if __name__ == "__main__":
    main()
