"""Language: the user's own (ja or en), else the browser's, else Japanese."""

from __future__ import annotations

from pathlib import Path

from flask import request
from flask_login import current_user

LANGUAGES = ("ja", "en")


def select_locale() -> str:
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.lang in LANGUAGES:
        return current_user.lang
    return request.accept_languages.best_match(LANGUAGES) or "ja"


def translation_directories(root: Path) -> list[str]:
    """Every ``translations`` folder of the web package: the shared one and each blueprint's."""
    return sorted(str(p) for p in root.rglob("translations") if p.is_dir())


def compile_catalogs(directories: list[str]) -> None:
    """Compile each ``messages.po`` to ``messages.mo`` when missing or older (what
    ``pybabel compile`` does), so a checkout runs without a build step."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for directory in directories:
        for po in Path(directory).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalog = read_po(source)
            try:
                with mo.open("wb") as target:
                    write_mo(target, catalog)
            except OSError:  # a read-only install: compile at build time instead
                pass
