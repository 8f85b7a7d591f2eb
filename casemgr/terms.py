"""The policy terms (DOMAIN §2) as the surfaces need them: the public face of ``events.policy``.

``web`` and ``workers`` may not import ``events.policy`` (it holds the Policy aggregate; see
the import-linter contracts in ``pyproject.toml``). What they need of the terms is re-exported
here, the very same objects, so a form's preview or an API document can never drift from
what the core stores:

* ``PATTERNS`` — pattern name -> (liability limit, third-party sublimit, expense limit) in yen;
* ``RIDERS`` — the rider names a policy may carry;
* ``DEFAULT_PROGRAMME`` — the programme code of a policy that names none;
* ``mid_term_start(applied_on)`` — 00:00 JST on the 1st of the second month after a mid-term
  enrolment's application date, the coverage start;
* ``PolicyInput`` / ``InsuredInput`` — the pydantic models of an incident log's ``policy``
  object (the body of issuing a policy), for documents and forms; they validate the shape only;
* ``POLICY_EVENT_SCHEMAS`` — the pydantic models of the policy events staff record (a debit,
  a failed debit, the voiding of one), by type.

A preview computed with these is only a preview: what is stored is always the core's own
computation (``CaseService.issue_policy``, through ``events.policy.parse_terms``).
"""

from __future__ import annotations

from events.policy import (
    DEFAULT_PROGRAMME, PATTERNS, POLICY_EVENT_TYPES, POLICY_SCHEMAS, RIDERS, InsuredInput, PolicyInput, mid_term_start,
)

POLICY_EVENT_SCHEMAS = {kind: POLICY_SCHEMAS[kind] for kind in POLICY_EVENT_TYPES}

__all__ = ["DEFAULT_PROGRAMME", "PATTERNS", "POLICY_EVENT_SCHEMAS", "RIDERS", "InsuredInput", "PolicyInput",
           "mid_term_start"]
