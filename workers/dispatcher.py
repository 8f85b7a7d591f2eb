"""The outbox follower, run in the beat process (Celery wants exactly one beat; the follower
wants exactly one reader of the log, so it lives there).

It reads committed events from the notification log after its tracked position, catches
the read model up, and sends ``casemgr.recompute_statements`` for each policy whose
incidents changed; then it records the position. A write that rolled back was never in the
log; a broker that is down makes the send fail, so the position stays and the same events
are handed on when it is back; a restart resumes from the position. It wakes at once on
PostgreSQL (the library's NOTIFY) and polls on SQLite.

It also measures the broker's queue depth for ``casemgr status``."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import beat_embedded_init, beat_init

from workers.celery_app import QUEUE, app, settings
from workers.runtime import SYSTEM, core

log = logging.getLogger(__name__)


class Follower:
    def __init__(self, publish: Any = None, batch: int = 1000):
        self.publish = publish or (lambda policy, reached: app.send_task("casemgr.recompute_statements",
                                                                         args=[policy, reached]))
        self.batch = batch

    def step(self) -> int:
        """Hand on the events after the tracked position (up to a batch); how many."""
        service = core().service
        service.catch_up_quietly()
        position = service.follower_position()
        reached, policies = service.changed_policies(SYSTEM, position, self.batch)
        if reached == position:
            return 0
        for policy in sorted(policies):
            self.publish(policy, reached)  # raises while the broker is down: the position stays
        try:
            service.advance_follower(reached)
        except Exception:  # noqa: BLE001 — another follower recorded it first: it handed them on too
            log.warning("the follower's position %s was recorded by another process", reached)
        return reached - position

    def run(self, stop: threading.Event) -> None:
        pause = 1.0
        last_measure = 0.0
        while not stop.is_set():
            try:
                handed = self.step()
                pause = 1.0
                if time.monotonic() - last_measure > settings.tick_seconds:
                    measure_queue()
                    last_measure = time.monotonic()
                if not handed:
                    core().service.wait_for_events(core().service.follower_position(), timeout=0.5)
            except Exception:  # noqa: BLE001 — logged, retried with back-off; nothing is lost
                log.exception("the follower could not hand events on; retrying in %.0f s", pause)
                stop.wait(pause)
                pause = min(pause * 2, 30.0)


def measure_queue() -> None:
    try:
        with app.connection_for_write() as connection:
            depth = connection.default_channel.queue_declare(queue=QUEUE, passive=True).message_count
        value = str(depth)
    except Exception as exc:  # noqa: BLE001 — the status page says the broker is unreachable
        value = f"unreachable: {type(exc).__name__}"
    core().service.put_status(SYSTEM, "queue_depth", value)


_stop = threading.Event()
_started = threading.Lock()


@beat_init.connect
@beat_embedded_init.connect
def start_follower(**_: Any) -> None:
    if not _started.acquire(blocking=False):
        return  # an embedded beat sends both signals
    thread = threading.Thread(target=Follower().run, args=(_stop,), name="casemgr-follower", daemon=True)
    thread.start()
    log.info("the outbox follower started")
