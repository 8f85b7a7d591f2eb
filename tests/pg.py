"""A real PostgreSQL server for the test session (a pytest plugin).

``postgres_server`` (session scope) starts a throw-away PostgreSQL cluster in a
temporary directory: a free TCP port on 127.0.0.1, its unix socket in the same
temporary directory, durability switched off for speed, and a password-authenticated
superuser ``casemgr``/``casemgr``. It is stopped (``pg_ctl stop -m immediate``)
and its directory removed when the session ends.

``postgres_url`` (function scope) creates a fresh, empty database on that server
and returns ``postgresql://casemgr:casemgr@127.0.0.1:PORT/t_<hex>``; the database
is dropped after the test.

Set ``CASEMGR_TEST_POSTGRES_URL`` (a superuser URL, e.g.
``postgresql://casemgr:casemgr@127.0.0.1:5432/postgres``) to use a running server
instead of starting one, and ``CASEMGR_PG_BINDIR`` to pick the server binaries.

No PostgreSQL binaries is an error, not a skip: CI installs them. Deselect these
tests with ``-m "not postgres"``; every test using ``postgres_url`` carries the
``postgres`` mark.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ENV_URL = "CASEMGR_TEST_POSTGRES_URL"
ENV_BINDIR = "CASEMGR_PG_BINDIR"
USER = "casemgr"
PASSWORD = "casemgr"
OS_USER = "postgres"  # PostgreSQL refuses to run as root; the Debian package creates this user
START_TIMEOUT = 60

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "'32MB'",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


@dataclass(frozen=True)
class PostgresServer:
    """A reachable server on which ``admin_url``'s role may create databases."""

    admin_url: str

    def url_for(self, dbname: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + quote(dbname)))

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10)


# -- marks -----------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    # Registered here as well as in pyproject.toml, so the plugin stands on its own.
    config.addinivalue_line("markers", "postgres: runs against a real PostgreSQL server started by the fixtures")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the server, so ``-m "not postgres"`` deselects it
    (tryfirst: before ``-m`` filtering runs)."""
    for item in items:
        if {"postgres_url", "postgres_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session: ``$CASEMGR_TEST_POSTGRES_URL``, or one started here."""
    external = os.environ.get(ENV_URL)
    if external:
        server = PostgresServer(external)
        try:
            server.connect().close()
        except psycopg.Error as exc:
            pytest.fail(f"{ENV_URL}={_redact(external)} is not reachable: {exc}", pytrace=False)
        yield server
        return
    cluster = _Cluster(_find_bindir())
    try:
        cluster.start()
    except BaseException:
        cluster.destroy()
        raise
    try:
        yield PostgresServer(cluster.url)
    finally:
        cluster.destroy()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test."""
    dbname = f"t_{uuid.uuid4().hex}"
    with postgres_server.connect() as conn:
        # FILE_COPY (15+) copies the small template at once: several times faster than WAL_LOG.
        strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(sql.SQL("CREATE DATABASE {}" + strategy).format(sql.Identifier(dbname)))
    try:
        yield postgres_server.url_for(dbname)
    finally:
        _drop_database(postgres_server, dbname)


def _drop_database(server: PostgresServer, dbname: str) -> None:
    name = sql.Identifier(dbname)
    try:
        with server.connect() as conn:
            try:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            except psycopg.errors.SyntaxError:  # a server older than 13
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
    except psycopg.Error:
        pass  # left behind: connections remain; the throw-away cluster goes at session end anyway


# -- the throw-away cluster ----------------------------------------------------------------


def _find_bindir() -> Path:
    """The directory with initdb, pg_ctl and postgres (the newest if several)."""
    candidates: list[Path] = []
    if os.environ.get(ENV_BINDIR):
        candidates.append(Path(os.environ[ENV_BINDIR]))
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_version_key, reverse=True)]
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found "
        f"(looked in: {', '.join(map(str, candidates)) or 'pg_config --bindir, /usr/lib/postgresql/*/bin, PATH'}).\n"
        "Install them (Debian/Ubuntu: apt-get install postgresql; .ci/run does this), "
        f"set {ENV_BINDIR}=/path/to/bin, or point {ENV_URL} at a running server "
        "(a superuser URL). To run without PostgreSQL: pytest -m 'not postgres'.",
        pytrace=False,
    )


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _temp_parent(as_root: bool) -> str:
    """Where the cluster's directory goes: the usual temporary directory, unless the
    ``postgres`` user could not reach it (run as root) or the unix socket path would be
    too long (about 107 bytes), then /tmp."""
    parent = Path(tempfile.gettempdir()).resolve()
    reachable = not as_root or all(p.stat().st_mode & 0o001 for p in (parent, *parent.parents))
    too_long = len(str(parent)) > 60
    return "/tmp" if (not reachable or too_long) and Path("/tmp").is_dir() else str(parent)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class _Cluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="casemgr-pg-", dir=_temp_parent(self.as_root)))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if self.as_root:
            self._hand_over_to_os_user()
        pwfile = self.base / "pwfile"
        pwfile.write_text(PASSWORD + "\n")
        self._own(pwfile)
        self._run("initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "-A", "scram-sha-256",
                  "-E", "UTF8", "--no-locale", "--no-sync", timeout=120)
        pwfile.unlink()
        # Retry on the (unlikely) race where another process takes the free port first.
        last: subprocess.CalledProcessError | None = None
        for _ in range(3):
            self.port = _free_port()
            self._write_settings()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(START_TIMEOUT),
                          "start")
            except subprocess.CalledProcessError as exc:
                last = exc
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
                continue
            self.started = True
            self._wait_ready()
            return
        assert last is not None
        pytest.fail(f"PostgreSQL did not start: {self._describe(last)}", pytrace=False)

    def destroy(self) -> None:
        if self.started or (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------

    def _hand_over_to_os_user(self) -> None:
        import pwd

        try:
            entry = pwd.getpwnam(OS_USER)
        except KeyError:
            shutil.rmtree(self.base, ignore_errors=True)
            pytest.fail(
                f"running as root, and PostgreSQL refuses to run as root, but there is no {OS_USER!r} "
                f"system user to run it as (the postgresql package creates it; or set {ENV_URL})",
                pytrace=False,
            )
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self._own(self.base)
        self.base.chmod(0o700)

    def _own(self, path: Path) -> None:
        if self.as_root:
            os.chown(path, self.uid, self.gid)

    def _write_settings(self) -> None:
        conf = self.data / "postgresql.auto.conf"
        settings = {
            **SERVER_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base}'",
        }
        conf.write_text(
            "# written by tests/pg.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()),
            encoding="utf-8",
        )
        self._own(conf)

    def _run(self, tool: str, *args: str, check: bool = True, timeout: float = START_TIMEOUT + 30
             ) -> subprocess.CompletedProcess:
        command = [str(self.bindir / tool), *args]
        if self.as_root:
            if shutil.which("runuser"):
                command = ["runuser", "-u", OS_USER, "--", *command]
            else:
                command = ["su", OS_USER, "-s", "/bin/sh", "-c", shlex.join(command)]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        for var in ("PGDATA", "PGPORT", "PGHOST", "PGUSER", "PGDATABASE", "PGPASSWORD"):
            env.pop(var, None)
        result = subprocess.run(command, cwd=self.base, env=env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            error = subprocess.CalledProcessError(result.returncode, command, result.stdout, result.stderr)
            if tool == "pg_ctl" and "start" in args:
                raise error
            pytest.fail(f"PostgreSQL {tool} failed: {self._describe(error)}", pytrace=False)
        return result

    def _describe(self, exc: subprocess.CalledProcessError) -> str:
        log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
        return (f"{' '.join(map(str, exc.cmd))} exited {exc.returncode}\n"
                f"stdout: {exc.stdout}\nstderr: {exc.stderr}\nserver log:\n{log}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=5).close()
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
                    pytest.fail(f"PostgreSQL started but does not accept connections: {exc}\n{log}",
                                pytrace=False)
                time.sleep(0.1)
