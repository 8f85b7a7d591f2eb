"""docker-compose.yml cannot run here (no Docker engine); check what it relies on."""

from __future__ import annotations

import re
import shlex

import yaml

from casemgr.cli import main
from casemgr.settings import Settings
from tests.conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def casemgr_invocations(service: dict) -> list[list[str]]:
    command = service.get("command", [])
    entry = service.get("entrypoint", [])
    if entry == ["casemgr"]:
        return [["casemgr", *command]]
    script = command[-1] if command[:2] == ["sh", "-c"] else " ".join(command)
    return [shlex.split(part.strip(" ()")) for part in re.split(r"&&|\|\||;", script) if "casemgr" in part]


def test_every_casemgr_command_in_compose_exists_with_its_options():
    calls = [call for service in COMPOSE["services"].values() for call in casemgr_invocations(service)]
    assert len(calls) >= 4
    for call in calls:
        words = [w for w in call if not w.startswith(">") and w != "/dev/null" and w != "2>&1"]
        sub = main.commands[words[1]]  # KeyError: no such subcommand
        ctx = sub.make_context(words[1], words[2:], resilient_parsing=False)
        assert ctx.command is sub


def test_compose_points_the_app_at_the_postgres_service_with_its_credentials():
    db = COMPOSE["services"]["postgres"]["environment"]
    for name in ("casemgr", "demo"):
        url = COMPOSE["services"][name]["environment"]["CASEMGR_DATABASE_URL"]
        env = Settings(url).eventsourcing_env()
        assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert (env["POSTGRES_HOST"], env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DBNAME"]) == (
            "postgres", db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])


def test_the_image_copies_every_package_and_the_demo_data():
    for folder in ("events", "casemgr", "web", "workers", "examples"):
        assert f"COPY {folder} {folder}" in DOCKERFILE
        assert (ROOT / folder).is_dir()


def test_the_web_service_runs_gunicorn_on_the_app_factory_with_a_secret():
    web = COMPOSE["services"]["web"]
    command = web["command"]
    assert command[0] == "gunicorn" and command[-1] == "web:create_app()"
    assert "CASEMGR_SECRET_KEY" in web["environment"]
    import web as web_package  # the factory the command names exists
    assert callable(web_package.create_app)
