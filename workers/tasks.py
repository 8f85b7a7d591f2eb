"""The tasks. Each has an explicit name, takes ids, and is idempotent: running one twice
(a redelivered message, a retry) changes nothing the first run did not."""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from celery import Task
from celery.signals import worker_process_shutdown

from casemgr.errors import DomainError
from workers.celery_app import app
from workers.runtime import SYSTEM, close, core

log = logging.getLogger(__name__)


@worker_process_shutdown.connect
def _close(**_: Any) -> None:
    close()


@app.task(name="casemgr.recompute_statements", bind=True, autoretry_for=(Exception,),
          dont_autoretry_for=(DomainError,), retry_backoff=2, retry_backoff_max=300, max_retries=20)
def recompute_statements(self: Task, policy: str, reached: int = 0) -> int:
    """Store the statements of every incident of a policy, with the versions they reflect;
    nothing when they reflect store position ``reached`` already."""
    return core().service.recompute_statements(SYSTEM, policy, reached)


@app.task(name="casemgr.send_reminder", bind=True, autoretry_for=(OSError,), retry_backoff=2,
          retry_backoff_max=300, max_retries=None)
def send_reminder(self: Task, key: str) -> str:
    """Deliver one planned reminder (casemgr.reminders: leased, checked, mailed, recorded)."""
    service = core().service
    outcome = service.deliver_reminder(SYSTEM, key)
    log.info("reminder %s: %s %s", key, outcome.state, outcome.detail)
    if outcome.state == "postponed":
        # The mail server refused: again after the ledger's back-off (the tick would too).
        planned = service.reminder(SYSTEM, key)
        wait = max(1.0, planned.not_before - time.time()) if planned else 30.0
        raise self.retry(countdown=wait, max_retries=None)
    return outcome.state


def dispatch(keys: list[str]) -> int:
    """Send a task for each owed reminder (noted in the ledger first, so that the tick does
    not send another before this one had its chance)."""
    queued = core().service.queue_reminders(SYSTEM, keys)
    for key in queued:
        send_reminder.delay(key)
    return len(queued)


@app.task(name="casemgr.sweep")
def sweep(day: str | None = None) -> int:
    """Plan the reminders due on ``day`` (default: today) and send them."""
    result = core().service.sweep(SYSTEM, dt.date.fromisoformat(day) if day else None)
    return dispatch(result.planned)


@app.task(name="casemgr.tick")
def tick() -> dict[str, int]:
    """Beat's every-few-seconds task: today's scheduled sweep once its time has come (by the
    core's clock, so a moved demo clock sweeps its new day), reminders owed again (back-off
    over, lease run out, lost message), statements behind the read model."""
    service = core().service
    swept = service.scheduled_sweep(SYSTEM)
    sent = dispatch(swept.planned) if swept else 0
    sent += dispatch(service.owed_reminders(SYSTEM))
    stale = service.stale_statement_policies(SYSTEM, limit=200)
    for policy in stale:
        recompute_statements.delay(policy)
    return {"swept": int(swept is not None), "reminders": sent, "statements": len(stale)}
