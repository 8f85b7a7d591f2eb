"""The composition root: builds the application and its read model from settings."""

from __future__ import annotations

from casemgr.application import CaseManager
from casemgr.clock import Clock
from casemgr.readmodels.deadlines import DeadlineProjection
from casemgr.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> CaseManager:
    settings = settings or Settings.from_env()
    return CaseManager(settings.eventsourcing_env(), clock=clock, snapshot_interval=settings.snapshot_interval)


def build_projection(app: CaseManager) -> DeadlineProjection:
    """The deadline read model of ``app``, in the same database."""
    return DeadlineProjection(app)
