"""The composition root: everything one process needs, built from ``Settings`` and closed again.

One ``Core`` per process — the console command per invocation, the web app per worker
process, each Celery worker process once::

    with bootstrap() as core:
        core.service.record(actor, "SK-2005-0001/INC-1", {...})
"""

from __future__ import annotations

import random
import time
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
    for attempt in range(STARTS):
        app = None
        try:
            app = build_app(settings, clock)
            check_cipher(app, settings)
            readmodel = ReadModel(app)
            break
        except BaseException as exc:
            if app is not None:
                app.close()
            if attempt + 1 == STARTS or not _racing(exc):
                raise
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    accounts = Accounts(app)
    service = CaseService(app, readmodel, settings, accounts)
    return Core(settings, clock, service, accounts, app, readmodel)


STARTS = 5
RACES = ("deadlock detected", "tuple concurrently updated", "pg_type_typname_nsp_index")


def _racing(exc: BaseException) -> bool:
    """PostgreSQL may refuse one of several processes that start at once: each runs the
    tables' ``CREATE … IF NOT EXISTS`` (the library's and the read model's) while another
    creates or writes them (a deadlock, "tuple concurrently updated", a duplicate type).
    Starting again is safe: those statements are idempotent."""
    while exc is not None:
        if any(race in str(exc) for race in RACES):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> CaseManager:
    """The event-sourced application alone (tests and benchmarks of the store)."""
    settings = settings or Settings.from_env()
    return CaseManager(settings.eventsourcing_env(), clock=clock, snapshot_interval=settings.snapshot_interval)


def build_projection(app: CaseManager) -> ReadModel:
    """The read model of ``app``, in the same database."""
    return ReadModel(app)
