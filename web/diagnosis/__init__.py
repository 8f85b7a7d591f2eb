"""The risk diagnosis (リスク診断, DOMAIN §11): the questionnaire, the report and its PDF, and
the staff overview.

* ``/diagnosis/`` — an insured user: its business's page; staff and admins: the overview of
  their businesses' latest scores and the businesses counted by band per area;
* ``/diagnosis/<business>/`` — the business's diagnoses; ``POST …/start`` starts one (or goes
  to the one in progress);
* ``/diagnosis/<business>/<n>`` — the questionnaire; ``POST`` saves the answers given (htmx:
  on each change, answered with the progress line) or, with ``action=finish``, saves them
  and completes the diagnosis — all or nothing, a refusal comes back 422 beside the question;
* ``/diagnosis/<business>/<n>/report`` and ``…/report.pdf`` — 個人情報管理リスク評価報告書.

Every view passes ``current_actor()`` to the core (``core.diagnosis``), which answers
another business's diagnosis with ``NotFound`` (a plain 404)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("diagnosis", __name__, url_prefix="/diagnosis", template_folder="templates",
               static_folder="static", static_url_path="/-/static")

from web.diagnosis import views  # noqa: E402,F401 — the routes register on ``bp``
