"""Real parts for the workers' tests, started by fixtures: a ``redis-server`` on a free
loopback port (stopped and started again by the drills), an SMTP server on loopback
(aiosmtpd) that keeps every mail it accepts and can be told to refuse for a while, and
real ``celery worker`` and ``celery beat`` processes of ``workers.celery_app``.

Everything shares one instance folder: the SQLite store, the movable clock file
(``CASEMGR_CLOCK=file:…``) that the test process moves and the workers read."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from casemgr.bootstrap import Core, bootstrap
from casemgr.clock import FileClock
from casemgr.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float = 30.0, every: float = 0.1, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(every)


# -- Redis ---------------------------------------------------------------------------------------

class RedisServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (.ci/run installs it: apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--dir", str(self.folder), "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.ping, 20, what="redis-server to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


# -- SMTP ----------------------------------------------------------------------------------------

class Mailbox:
    """The aiosmtpd handler: keeps what it accepts; refuses while ``refusing`` > 0 (451, a
    temporary failure, as a busy server answers) and takes ``delay`` seconds per mail."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[list[str]] = []
        self.refusing = 0
        self.refused = 0
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 — aiosmtpd's hook name
        with self.lock:
            if self.refusing > 0:
                self.refusing -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
        if self.delay:
            time.sleep(self.delay)  # blocks the server's loop: slow, like a real one under load
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def reminders(self) -> list[str]:
        """The reminder each accepted mail belongs to (its References header)."""
        with self.lock:
            return [m["References"] for m in self.messages]


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield f"smtp://127.0.0.1:{controller.port}", mailbox
    controller.stop()


# -- an instance the workers and the test share ---------------------------------------------------

class Instance:
    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.settings = Settings.from_env(env)
        self.clock = FileClock(folder / "clock")
        self.processes: list[subprocess.Popen] = []

    def core(self) -> Core:
        return bootstrap(self.settings, self.clock)

    def celery(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(
            [str(CELERY), "-A", "workers.celery_app", *args], cwd=ROOT, env={**os.environ, **self.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def worker(self, name: str = "worker", concurrency: int = 2) -> subprocess.Popen:
        return self.celery("worker", "--concurrency", str(concurrency), "--loglevel", "INFO", "--hostname",
                           f"{name}@%h", "--without-gossip", "--without-mingle", name=name)

    def beat(self) -> subprocess.Popen:
        return self.celery("beat", "--loglevel", "INFO", "--schedule", str(self.folder / "beat-schedule"),
                           name="beat")

    @staticmethod
    def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """The whole process group: a worker's pool children die with it, as in a crash."""
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def instance(request, tmp_path, redis_server, smtp_server) -> Iterator[Instance]:
    """On SQLite (the follower polls) and on PostgreSQL (it wakes on the library's NOTIFY)."""
    url, mailbox = smtp_server
    folder = tmp_path / "instance"
    folder.mkdir()
    database = (f"sqlite:///{folder / 'casemgr.sqlite'}" if request.param == "sqlite"
                else request.getfixturevalue("postgres_url"))
    env = {
        "CASEMGR_INSTANCE": str(folder),
        "CASEMGR_DATABASE_URL": database,
        "CASEMGR_CLOCK": f"file:{folder / 'clock'}",
        "CASEMGR_BROKER_URL": redis_server.url,
        "CASEMGR_SMTP_URL": url,
        "CASEMGR_BASE_URL": "https://casemgr.test",
        "CASEMGR_TICK_SECONDS": "1",
        "CASEMGR_LEASE_SECONDS": "3",
        "CASEMGR_RETRY_SECONDS": "1",
    }
    made = Instance(folder, env)
    made.mailbox = mailbox  # type: ignore[attr-defined]
    made.redis = redis_server  # type: ignore[attr-defined]
    made.clock.set(dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    yield made
    made.stop_all()
