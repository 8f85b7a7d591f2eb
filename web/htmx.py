"""One place that decides page or fragment: an htmx request to a URL gets the fragment the
full page includes (the page template ``{% include %}``s it), every other request the page."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template

from web.extensions import htmx


def render(page: str, fragment: str | None = None, status: int = 200, trigger: str | None = None,
           **context: Any):
    """``page`` for a browser, ``fragment`` for htmx (when given); ``trigger`` names an
    event other parts of the page listen for (``HX-Trigger``), e.g. ``statement-changed``."""
    # htmx restoring history (back button after hx-push-url) wants the whole page.
    template = fragment if fragment and htmx and not htmx.history_restore_request else page
    response = make_response(render_template(template, **context), status)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response
