"""Commands per second through CaseManager.record vs. the bare library's load + save.

Both aggregates start with the same history (default 50 events), both applications
snapshot every 100 events and use the same kind of store; each command of the
baseline is repository.get(id) + one triggered event + save. The baseline runs on
two aggregates of the same history: one loaded with the library's default projector,
one with casemgr's `replay` (which skips a per-event protocol check). Rounds alternate between the sides so that drift of the machine hits all alike.

    .venv/bin/python bench/commands.py [--quick] [--postgres URL] [--commands N]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
import uuid

from eventsourcing.application import Application, project_aggregate
from eventsourcing.domain import Aggregate, event

import _common as c
from casemgr.application import replay
from casemgr.bootstrap import build_app
from casemgr.settings import Settings, store_env

PAYLOADS = [c.note, lambda k: c.cost(3 * k), lambda k: c.cost(3 * k + 1)]  # notes, letters, consulting


class Counter(Aggregate):
    """The minimal aggregate: one event type."""

    def __init__(self) -> None:
        self.count = 0

    @event("Noted")
    def note(self, text: str) -> None:
        self.count += 1


class Bare(Application):
    name = "bare"
    snapshotting_intervals = {Counter: 100}


def setup(args, url_c: str, url_b: str, cache: str | None):
    with c.environ("AGGREGATE_CACHE_MAXSIZE", cache):
        app = build_app(Settings(url_c, aggregate_cache=int(cache or 0)), c.clock())
        bare = Bare(env={**store_env(url_b), "IS_SNAPSHOTTING_ENABLED": "y"})
    seed = c.SEED["incidents"][0]["events"]
    filler = [c.note(k) if k % 2 else c.cost(k) for k in range(args.history - len(seed))]
    imported = app.import_log(c.incident_log(c.unique("BENCH-CMD"), {"INC-1": seed + filler}), c.OPERATOR)
    incident = imported.incidents["INC-1"]
    counters = [Counter(), Counter()]
    for counter in counters:
        for k in range(args.history - 1):
            counter.note(f"history {k}")
    bare.save(*counters)
    assert len(app.events.recorder.select_events(incident)) == args.history == counters[0].version
    return app, incident, bare, [counter.id for counter in counters]


def run_casemgr(app, incident: uuid.UUID, start: int, n: int) -> float:
    t = time.perf_counter()
    for k in range(start, start + n):
        app.record(incident, PAYLOADS[k % 3](k), c.INSURED)
    return time.perf_counter() - t


def run_bare(bare: Bare, agg_id: uuid.UUID, start: int, n: int, projector=project_aggregate) -> float:
    t = time.perf_counter()
    for k in range(start, start + n):
        counter = bare.repository.get(agg_id, projector_func=projector)
        counter.note(f"command {k}")
        bare.save(counter)
    return time.perf_counter() - t


def measure(args, tmp: str, label: str, cache: str | None) -> list:
    suffix = "-cache" if cache else ""
    app, incident, bare, (agg_id, agg_r) = setup(args, c.store_url(args, tmp, "casemgr" + suffix),
                                        c.store_url(args, tmp, "bare" + suffix), cache)
    run_casemgr(app, incident, 0, 20), run_bare(bare, agg_id, 0, 20), run_bare(bare, agg_r, 0, 20, replay)
    rounds, per = 5, args.commands // 5
    t_c = t_b = t_r = 0.0
    for r in range(rounds):
        start = 20 + r * per
        t_c += run_casemgr(app, incident, start, per)
        t_b += run_bare(bare, agg_id, start, per)
        t_r += run_bare(bare, agg_r, start, per, replay)
    n = rounds * per
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(run_casemgr, app, incident, 20 + n, per)
        print(f"\nprofile of {per} casemgr commands ({label}), by own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    app.close(), bare.close()
    cmd_c, cmd_b, cmd_r = n / t_c, n / t_b, n / t_r
    return [label, cmd_c, cmd_b, f"{cmd_c / cmd_b:.0%}", "met" if cmd_c >= 0.5 * cmd_b else "MISSED",
            cmd_r, f"{cmd_c / cmd_r:.0%}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    c.add_store_args(parser)
    parser.add_argument("--commands", type=int, help="commands per side (default 2000, --quick 300)")
    parser.add_argument("--history", type=int, default=50, help="events each aggregate has before the run")
    parser.add_argument("--profile", action="store_true", help="cProfile some more casemgr commands of each variant")
    args = parser.parse_args()
    args.commands = args.commands or (300 if args.quick else 2000)
    print(f"store: {c.store_kind(args)}; {args.commands} commands per side after 20 warm-up; "
          f"history {args.history} events; snapshot interval 100")
    rows = []
    with c.tempdir() as tmp:
        rows.append(measure(args, tmp, "no cache", None))
        rows.append(measure(args, tmp, "AGGREGATE_CACHE_MAXSIZE=1000", "1000"))
    print()
    c.table(["variant", "casemgr cmd/s", "bare cmd/s", "ratio", "target >=50%", "bare+replay cmd/s", "ratio"], rows)
    print("bare = repository.get(id) with the library's default projector (project_aggregate); bare+replay = the\n"
          "same with casemgr's `replay` projector, which skips the per-event protocol check casemgr also skips.")


if __name__ == "__main__":
    main()
