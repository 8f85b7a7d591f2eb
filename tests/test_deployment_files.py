"""docker-compose.yml, Dockerfile and .env.example. No Docker engine runs here, so each test
checks one thing they rely on: the services and how they wait for each other, the programs
their commands run, the settings they pass, the Celery app they name. The last tests start
the stack's own commands as local processes (redis-server, PostgreSQL from tests/pg.py,
gunicorn, celery worker and beat) and run every health check against them."""

from __future__ import annotations

import glob
import dataclasses
import importlib.metadata
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from casemgr.cli import main
from casemgr.settings import Settings, parse_smtp_url
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = ROOT / ".env.example"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
BIN = Path(sys.executable).parent

STACK = ("web", "worker", "beat", "redis", "postgres", "mailpit")
APP_SERVICES = tuple(name for name, service in COMPOSE["services"].items() if "build" in service)
TASKS = ("casemgr.tick", "casemgr.sweep", "casemgr.send_reminder", "casemgr.recompute_statements")
# What each image of the stack runs its health check with (the images' own tools).
IMAGE_TOOLS = {"postgres": {"pg_isready"}, "redis": {"redis-cli", "grep"}, "axllent/mailpit": {"/mailpit"}}
BASE_IMAGE_TOOLS = {"python", "sh"}  # python:3.11-slim


# -- reading the files as Compose does ------------------------------------------------------------

class MissingVariable(Exception):
    pass


VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's interpolation: ``$$``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}``
    (and their forms without the colon, which treat an empty value as set)."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        dollar, name, op, arg, bare = match.groups()
        if dollar:
            return "$"
        name = name or bare
        given = env.get(name)
        unset = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if unset else given
        if op in (":?", "?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        return given or ""

    return VARIABLE.sub(one, value)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"not NAME=value: {line!r}"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def example_env(**overrides: str) -> dict[str, str]:
    """.env.example as an operator fills it in: the required session key set."""
    return {**read_env_file(ENV_EXAMPLE), "CASEMGR_SECRET_KEY": "k" * 64, **overrides}


def stack(env: Mapping[str, str]) -> dict:
    return interpolate(COMPOSE, env)


def settings_read() -> set[str]:
    """The CASEMGR_ names casemgr/settings.py reads: those ``Settings.from_env`` asks for,
    and every quoted one in its source."""

    asked: set[str] = set()

    class Recording(dict):
        def get(self, key: str, default: Any = None) -> Any:
            asked.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> Any:
            asked.add(key)
            return super().__getitem__(key)

        def __contains__(self, key: object) -> bool:
            asked.add(str(key))
            return super().__contains__(key)

    Settings.from_env(Recording())
    source = (ROOT / "casemgr" / "settings.py").read_text()
    return {n for n in asked if n.startswith("CASEMGR_")} | set(re.findall(r'"(CASEMGR_[A-Z0-9_]+)"', source))


def names_in(text: str) -> set[str]:
    return set(re.findall(r"\bCASEMGR_[A-Z0-9_]+", text))


def command_of(service: dict) -> list[str]:
    return [*service.get("entrypoint", []), *service.get("command", [])]


def check_of(service: dict) -> tuple[str, list[str]]:
    """The health check as ("CMD", argv) or ("CMD-SHELL", [script])."""
    test = service["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return test[0], test[1:]


def programs_of(argv: list[str], shell: bool) -> set[str]:
    if not shell:
        return {argv[0]}
    parts = re.split(r"&&|\|\||[;|]", argv[0])
    return {"sh", *(shlex.split(part)[0] for part in parts if part.strip())}


# -- the services ----------------------------------------------------------------------------

def test_the_stack_has_web_worker_one_beat_redis_postgres_and_mailpit():
    services = COMPOSE["services"]
    assert set(STACK) <= set(services)
    assert services["redis"]["image"].split(":")[1].startswith("7")
    assert services["postgres"]["image"].split(":")[1] in ("15", "16")
    assert services["mailpit"]["image"].split(":")[0] == "axllent/mailpit"
    assert {"web", "worker", "beat"} <= set(APP_SERVICES)
    assert command_of(services["worker"])[:4] == ["celery", "-A", "workers.celery_app", "worker"]
    assert command_of(services["beat"])[:4] == ["celery", "-A", "workers.celery_app", "beat"]


def test_there_is_exactly_one_beat_and_no_worker_embeds_another():
    beats = [name for name in APP_SERVICES if "beat" in command_of(COMPOSE["services"][name])]
    assert beats == ["beat"]
    assert COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1
    worker = command_of(COMPOSE["services"]["worker"])
    assert "-B" not in worker and "--beat" not in worker


def test_the_worker_consumes_the_queue_the_tasks_are_sent_to():
    from workers.celery_app import QUEUE
    worker = command_of(COMPOSE["services"]["worker"])
    assert worker[worker.index("--queues") + 1] == QUEUE


def test_every_service_of_the_stack_has_a_health_check_and_restarts():
    for name in STACK:
        service = COMPOSE["services"][name]
        kind, argv = check_of(service)
        assert argv and all(isinstance(word, str) and word for word in argv), name
        assert service.get("restart") in ("unless-stopped", "always"), name


def test_services_start_only_once_what_they_depend_on_is_healthy():
    services = COMPOSE["services"]
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert how == {"condition": "service_healthy"}, (name, needed)
            assert "healthcheck" in services[needed], needed
    wants = {"web": {"postgres"}, "worker": {"postgres", "redis", "mailpit"}, "beat": {"postgres", "redis"}}
    for name, needs in wants.items():
        assert needs <= set(services[name]["depends_on"]), name


def test_the_worker_and_beat_do_not_run_as_root():
    assert re.search(r"^RUN useradd .*\bcasemgr\s*$", DOCKERFILE.replace("\\\n", " "), re.M)
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] == "casemgr"
    for name in ("worker", "beat"):
        assert COMPOSE["services"][name]["user"] == "casemgr"
    for name in APP_SERVICES:
        assert str(COMPOSE["services"][name].get("user", "casemgr")).split(":")[0] not in ("root", "0")


# -- the programs they run -------------------------------------------------------------------

def console_scripts(requirement: str) -> set[str]:
    name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
    dist = importlib.metadata.distribution(name)
    return {e.name for e in dist.entry_points if e.group == "console_scripts"}


def test_every_program_a_service_runs_is_installed_in_its_image():
    """The app image is python:3.11-slim plus `pip install -e .`: its programs are python,
    sh, the project's own scripts and those of the dependencies in pyproject.toml."""
    assert DOCKERFILE.startswith("#") and "FROM python:3.11-slim" in DOCKERFILE
    installed = set(BASE_IMAGE_TOOLS) | set(PYPROJECT["project"]["scripts"])
    for requirement in PYPROJECT["project"]["dependencies"]:
        installed |= console_scripts(requirement)
    for name, service in COMPOSE["services"].items():
        kind, argv = check_of(service) if "healthcheck" in service else ("CMD", [])
        programs = programs_of(argv, kind == "CMD-SHELL") if argv else set()
        if "build" in service:
            command = command_of(service)
            programs.add(command[0])
            if command[:2] == ["sh", "-c"]:
                programs |= programs_of(command[2:], True)
            assert programs <= installed, (name, programs - installed)
        else:
            tools = IMAGE_TOOLS[service["image"].split(":")[0]]
            assert programs <= tools | {"sh"}, (name, programs - tools)
    for program in ("celery", "gunicorn", "casemgr"):
        assert (BIN / program).exists(), program  # and this environment has them too


def test_the_celery_commands_and_the_worker_health_check_parse_with_the_app(tmp_path):
    env = {**os.environ, **stack(example_env(CASEMGR_INSTANCE=str(tmp_path)))["services"]["worker"]["environment"]}
    kind, argv = check_of(COMPOSE["services"]["worker"])
    ping = shlex.split(interpolate(argv[0], {}).replace("$HOSTNAME", "host"))
    for argv in (command_of(COMPOSE["services"]["worker"]), command_of(COMPOSE["services"]["beat"]), ping):
        assert argv[0] == "celery"
        done = subprocess.run([str(BIN / "celery"), *argv[1:], "--help"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (argv, done.stderr[-2000:])


def test_every_casemgr_command_in_compose_exists_with_its_options():
    calls = []
    for service in COMPOSE["services"].values():
        command = service.get("command", [])
        if service.get("entrypoint") == ["casemgr"]:
            calls.append(["casemgr", *command])
        elif command[:2] == ["sh", "-c"]:
            calls += [shlex.split(part) for part in re.split(r"&&|\|\||;", command[2]) if "casemgr" in part]
    assert len(calls) >= 4
    for call in calls:
        sub = main.commands[call[1]]  # KeyError: no such subcommand
        ctx = sub.make_context(call[1], call[2:], resilient_parsing=False)
        assert ctx.command is sub


def test_the_web_service_runs_gunicorn_on_the_app_factory():
    from gunicorn.config import Config

    command = command_of(COMPOSE["services"]["web"])
    assert command[0] == "gunicorn" and command[-1] == "web:create_app()"
    parsed = Config().parser().parse_args(command[1:])  # SystemExit: an option gunicorn lacks
    assert parsed.args == ["web:create_app()"]
    import web as web_package  # the factory the command names exists
    assert callable(web_package.create_app)


def test_the_image_runs_the_code_from_the_folders_it_copies():
    """`pip install -e .`: the demo's examples/ and the catalogues are read beside the code."""
    for folder in ("events", "casemgr", "web", "workers", "examples"):
        assert f"COPY {folder} {folder}" in DOCKERFILE
        assert (ROOT / folder).is_dir()
    assert re.search(r"pip install [^\n]*-e \.", DOCKERFILE)
    from casemgr import demo
    assert demo.EXAMPLES == ROOT / "examples"
    # The catalogues are compiled at build time (as root: /app is read-only at run time),
    # by the very snippet the Dockerfile runs.
    snippet = re.search(r'python -I -c "([^"]*)"', DOCKERFILE.replace("\\\n", ""))
    assert snippet and "compile_catalogs(" in snippet[1]
    done = subprocess.run([sys.executable, "-I", "-c", snippet[1]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for po in (ROOT / "web").rglob("translations/*/LC_MESSAGES/*.po"):
        assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime, po
    assert re.findall(r"^ENV CASEMGR_INSTANCE=(\S+)", DOCKERFILE, re.M) == ["/var/lib/casemgr"]
    assert "--home-dir /var/lib/casemgr --create-home" in DOCKERFILE  # the user's own, writable


# -- the settings ----------------------------------------------------------------------------

def test_env_example_documents_every_setting_and_names_no_other():
    documented = {name for name in read_env_file(ENV_EXAMPLE) if name.startswith("CASEMGR_")}
    assert documented == names_in(ENV_EXAMPLE.read_text())  # none only mentioned in a comment
    assert documented == settings_read()


def test_compose_passes_every_setting_to_every_casemgr_process_and_names_no_other():
    settings = settings_read()
    assert names_in((ROOT / "docker-compose.yml").read_text()) <= settings
    for name in APP_SERVICES:
        given = set(stack(example_env())["services"][name]["environment"])
        expected = settings if name == "web" else settings - {"CASEMGR_SECRET_KEY"}
        assert {n for n in given if n.startswith("CASEMGR_")} == expected, name


def test_the_example_has_no_secrets_and_compose_will_not_start_without_a_session_key():
    example = read_env_file(ENV_EXAMPLE)
    assert example["CASEMGR_SECRET_KEY"] == "" and example["CASEMGR_CIPHER_KEY"] == ""
    assert example["POSTGRES_PASSWORD"] == "change-me"
    with pytest.raises(MissingVariable, match="CASEMGR_SECRET_KEY"):
        stack(read_env_file(ENV_EXAMPLE))
    with pytest.raises(MissingVariable, match="CASEMGR_SECRET_KEY"):
        stack({})


@pytest.mark.parametrize("source", ["env-example", "compose-defaults"])
def test_every_casemgr_process_gets_settings_that_parse_and_point_at_the_stack(source):
    env = example_env() if source == "env-example" else {"CASEMGR_SECRET_KEY": "k" * 64}
    resolved = stack(env)
    postgres = resolved["services"]["postgres"]["environment"]
    for name in APP_SERVICES:
        settings = Settings.from_env(resolved["services"][name]["environment"])
        db = Settings(settings.database_url).eventsourcing_env()
        assert db["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert (db["POSTGRES_HOST"], db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DBNAME"]) == (
            "postgres", postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"]), name
        assert settings.broker == "redis://redis:6379/0"
        smtp = parse_smtp_url(settings.smtp_url)
        assert (smtp.host, smtp.port) == ("mailpit", 1025)
        assert settings.instance == "/var/lib/casemgr" and settings.clock == ""
        assert (settings.secret_key is not None) == (name == "web")
        if source == "compose-defaults":  # the rest as casemgr/settings.py has it by default
            where = {"database_url", "broker_url", "smtp_url", "base_url", "instance", "secret_key"}
            for field in dataclasses.fields(Settings):
                if field.name not in where:
                    assert getattr(settings, field.name) == getattr(Settings.from_env({}), field.name), field.name


def test_the_celery_app_imports_and_names_the_tasks(tmp_path):
    """As a fresh process would, with the stack's settings: no broker is reached on import."""
    env = {**os.environ, **stack(example_env(CASEMGR_INSTANCE=str(tmp_path)))["services"]["worker"]["environment"]}
    script = textwrap.dedent("""
        import json
        import workers.celery_app, workers.tasks
        app = workers.celery_app.app
        app.loader.import_default_modules()
        print(json.dumps({"tasks": sorted(n for n in app.tasks if n.startswith("casemgr.")),
                          "broker": app.conf.broker_url, "schedule": sorted(app.conf.beat_schedule),
                          "scheduled": [e["task"] for e in app.conf.beat_schedule.values()]}))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(TASKS) <= set(found["tasks"])
    assert found["broker"] == "redis://redis:6379/0"
    assert found["scheduled"] == ["casemgr.tick"]


# -- the health checks, run against the stack's own commands ---------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.5)


class Local:
    """The stack's services as local processes: each command and health check of
    docker-compose.yml as it is, with the container's names and ports swapped for local ones."""

    def __init__(self, folder: Path, env: dict[str, str], swaps: dict[str, str]):
        self.folder = folder
        self.env = {**os.environ, **env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    "HOSTNAME": socket.gethostname()}  # Docker sets HOSTNAME to the container's name
        self.swaps = swaps
        self.processes: dict[str, subprocess.Popen] = {}

    def swap(self, text: str) -> str:
        for old, new in self.swaps.items():
            text = text.replace(old, new)
        return text

    def swap_words(self, argv: list[str]) -> list[str]:
        return [part for word in argv for part in (shlex.split(self.swaps[word]) if word in self.swaps
                                                   else [self.swap(word)])]

    def start(self, name: str) -> None:
        argv = self.swap_words(command_of(COMPOSE["services"][name]))
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 — closed with the process
        self.processes[name] = subprocess.Popen(
            [str(BIN / argv[0]), *argv[1:]], cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(60)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, signal.SIGKILL)

    def healthy(self, name: str) -> bool:
        kind, argv = check_of(stack(self.env)["services"][name])
        if kind == "CMD-SHELL":
            argv = ["sh", "-c", self.swap(argv[0])]
        else:
            argv = self.swap_words(argv)
            argv[0] = sys.executable if argv[0] == "python" else argv[0]
        done = subprocess.run(argv, cwd=self.folder, env=self.env, capture_output=True, timeout=120)
        return done.returncode == 0

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]


def pg_isready() -> str:
    found = shutil.which("pg_isready") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_isready"))), None)
    if found is None:
        pytest.fail("pg_isready is not installed (apt-get install postgresql; .ci/run does this)")
    return found


def test_every_health_check_passes_on_the_running_stack_and_fails_when_its_service_is_down(tmp_path, postgres_url):
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    redis_port, web_port = free_port(), free_port()
    pg = urlsplit(postgres_url)
    instance = tmp_path / "instance"
    instance.mkdir()
    env = stack(example_env())["services"]["worker"]["environment"] | {
        "CASEMGR_SECRET_KEY": secrets.token_hex(32),
        "CASEMGR_DATABASE_URL": postgres_url,
        "CASEMGR_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CASEMGR_SMTP_URL": f"smtp://127.0.0.1:{free_port()}",  # nothing is owed: no mail is sent
        "CASEMGR_INSTANCE": str(instance),
    }
    local = Local(tmp_path, env, {
        "0.0.0.0:8000": f"127.0.0.1:{web_port}", "127.0.0.1:8000": f"127.0.0.1:{web_port}",
        "/tmp/celerybeat.pid": str(tmp_path / "celerybeat.pid"),
        "redis-cli": f"redis-cli -p {redis_port}",
        "pg_isready": f"{pg_isready()} -h {pg.hostname} -p {pg.port}",
    })
    redis = subprocess.Popen([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert local.healthy("postgres")
        wait_for(lambda: local.healthy("redis"), 30, "redis-cli ping")
        for name in ("web", "worker", "beat"):
            local.start(name)
        for name in ("web", "worker", "beat"):
            try:
                wait_for(lambda: local.healthy(name), 90, f"the {name} health check")
            except AssertionError:
                raise AssertionError(local.log(name)) from None

        # A beat whose loop stopped (its schedule file not rewritten for 10 minutes) is not healthy.
        files = glob.glob(str(instance / "celerybeat-schedule*"))
        assert files
        old = time.time() - 700
        for path in files:
            os.utime(path, (old, old))
        assert not local.healthy("beat")

        local.stop("beat", signal.SIGKILL)
        assert not local.healthy("beat")
        local.stop("worker")
        assert not local.healthy("worker")
        local.stop("web")
        assert not local.healthy("web")
        redis.terminate()
        redis.wait(30)
        assert not local.healthy("redis")
    finally:
        local.stop_all()
        if redis.poll() is None:
            redis.terminate()
            redis.wait(30)
