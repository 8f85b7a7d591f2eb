"""The composition root: everything one process needs, built from ``Settings`` and closed again.

One ``Core`` per process — the console command per invocation, the web app per worker
process, each Celery worker process once::

    with bootstrap() as core:
        core.service.record(actor, "SK-2005-0001/INC-1", {...})
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from casemgr.accounts import Accounts
from casemgr.application import CaseManager
from casemgr.clock import Clock, clock_from
from casemgr.diagnosis import DiagnosisService
from casemgr.readmodels.projection import ReadModel
from casemgr.service import CaseService
from casemgr.settings import Settings
from casemgr.store import check_cipher


@dataclass
class Core:
    settings: Settings
    clock: Clock
    service: CaseService
    accounts: Accounts
    _app: CaseManager
    _readmodel: ReadModel

    @cached_property
    def diagnosis(self) -> DiagnosisService:  # the risk diagnosis (DOMAIN §11), on the same store
        return DiagnosisService(self._app, self.service, self.clock)

    def close(self) -> None:
        self._readmodel.close()
        self._app.close()

    def __enter__(self) -> "Core":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Core:
    settings = settings or Settings.from_env()
    clock = clock or clock_from(settings.clock)
    app = build_app(settings, clock)
    try:
        check_cipher(app, settings)
        readmodel = ReadModel(app)
    except BaseException:
        app.close()
        raise
    accounts = Accounts(app)
    service = CaseService(app, readmodel, settings, accounts)
    return Core(settings, clock, service, accounts, app, readmodel)


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> CaseManager:
    """The event-sourced application alone (tests and benchmarks of the store)."""
    settings = settings or Settings.from_env()
    return CaseManager(settings.eventsourcing_env(), clock=clock, snapshot_interval=settings.snapshot_interval)


def build_projection(app: CaseManager) -> ReadModel:
    """The read model of ``app``, in the same database."""
    return ReadModel(app)
