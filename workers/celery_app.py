"""The Celery app, configured from the core's settings (``casemgr.settings``).

    celery -A workers.celery_app worker --beat   # one machine: a worker with the schedule
    celery -A workers.celery_app worker          # many machines: workers ...
    celery -A workers.celery_app beat            # ... and exactly one beat (it also follows the store)

``CASEMGR_BROKER_URL`` names the broker (Redis in production). Left empty, the broker is
kombu's file transport in ``<instance>/broker``: no server of its own, for one machine.
"""

from __future__ import annotations

from celery import Celery

from casemgr.settings import Settings

settings = Settings.from_env()
QUEUE = "casemgr"

app = Celery("casemgr", include=["workers.tasks", "workers.dispatcher"])
app.conf.update(
    broker_url=settings.broker,
    task_default_queue=QUEUE,
    task_acks_late=True,  # a task is taken off the queue when it is done, not when it starts
    task_reject_on_worker_lost=True,  # a pool child killed mid-task puts its task back
    worker_prefetch_multiplier=1,
    task_ignore_result=True,  # nothing reads task results: the ledger and the store hold the outcome
    task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1},
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a worker waits for its broker to come back
    timezone="Asia/Tokyo",
    enable_utc=True,
    beat_schedule={"casemgr.tick": {"task": "casemgr.tick", "schedule": float(settings.tick_seconds),
                                    "options": {"expires": float(settings.tick_seconds)}}},
    beat_schedule_filename=str(settings.broker_folder.parent / "celerybeat-schedule"),
    worker_hijack_root_logger=False,
)
if settings.broker == "filesystem://":
    folder = settings.broker_folder
    (folder / "out").mkdir(parents=True, exist_ok=True)
    (folder / "processed").mkdir(parents=True, exist_ok=True)
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder / "out"), "data_folder_out": str(folder / "out"),
        "processed_folder": str(folder / "processed"), "store_processed": False,
        "control_folder": str(folder / "control"),
        "polling_interval": 0.2,
    }
elif settings.broker.startswith(("redis://", "rediss://")):
    # An unacknowledged task (its worker killed) goes back on the queue after this long.
    app.conf.broker_transport_options = {"visibility_timeout": max(settings.lease_seconds * 2, 60)}
