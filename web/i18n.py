"""Language: the user's own (ja or en), else the browser's, else Japanese."""

from __future__ import annotations

from flask import request
from flask_login import current_user

LANGUAGES = ("ja", "en")


def select_locale() -> str:
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.lang in LANGUAGES:
        return current_user.lang
    return request.accept_languages.best_match(LANGUAGES) or "ja"
