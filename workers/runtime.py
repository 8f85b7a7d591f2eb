"""One core per worker process, built on first use (after the pool forked)."""

from __future__ import annotations

import os
import threading

from casemgr.bootstrap import Core, bootstrap
from casemgr.settings import Settings
from events.values import Actor

SYSTEM = Actor("system", "casemgr-workers")
_lock = threading.Lock()
_core: Core | None = None
_pid: int | None = None


def core() -> Core:
    global _core, _pid
    with _lock:
        if _core is None or _pid != os.getpid():
            _core = bootstrap(Settings.from_env())  # a forked child never reuses its parent's connections
            _pid = os.getpid()
        return _core


def close() -> None:
    global _core
    with _lock:
        if _core is not None and _pid == os.getpid():
            _core.close()
        _core = None
