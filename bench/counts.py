"""The dashboard's counts over the 1,000,000-incident read model, exact and capped (decision 63).

The counts are kept per app between writes (web/staff/counts.py); what a miss costs — the first
dashboard view after any write — is ``service.deadline_counts``. Timed here in one process for
an admin (every row) and a staff user of P001 (≈ 10% of the rows), exact (the baseline) and
with the dashboard's cap of 1,000:

    .venv/bin/python -m bench.counts [--db /tmp/casemgr-bench-readmodel-1000000.sqlite] [--runs 7]

The file is the one bench/readmodel.py (or bench/web.py, bench/workers.py) generates and keeps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from bench._common import clock, table
from casemgr.bootstrap import bootstrap
from casemgr.settings import Settings
from events.values import Actor
from web.staff.counts import CAP

CALLERS = {"admin": Actor("admin", "root@bench"), "staff of P001": Actor("staff", "s@bench", programmes=frozenset({"P001"}))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/casemgr-bench-readmodel-1000000.sqlite")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    day = dt.date(2026, 11, 22)
    rows = []
    with bootstrap(Settings(f"sqlite:///{args.db}"), clock()) as core:
        for who, actor in CALLERS.items():
            base = None
            for cap in (None, CAP):
                core.service.deadline_counts(actor, day, cap=cap)  # warm
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    counts = core.service.deadline_counts(actor, day, cap=cap)
                    times.append(time.perf_counter() - start)
                p50 = statistics.median(times) * 1000
                base = base or p50
                shown = ", ".join(f"{k} {cap:,}+" if cap and v > cap else f"{k} {v:,}" for k, v in counts.items())
                rows.append([who, "exact" if cap is None else f"cap {cap:,}", shown, f"{p50:.1f}",
                             f"{max(times) * 1000:.1f}", f"{p50 / base:.2f}×"])
    table(["caller", "count", "counts", "p50 ms", "max ms", "vs exact"], rows)


if __name__ == "__main__":
    main()
