"""Hostile input: what an attacker (or a careless program) feeds casemgr, and the promise
it must keep each time:

    bad input -> exit status 2, ONE line on stderr starting ``casemgr: error:`` that names
    the field, nothing stored, never a traceback.

One file per kind of trick (names and text, JSON, dates, event references, the command
line). To add a case:

- through the console script, when the trick is in how a person runs the command: use the
  ``run`` fixture (tests/hostile/conftest.py; it runs once on SQLite and once on
  PostgreSQL) and ``assert_refused(result, "field")``, then check nothing was stored
  (``history_count``);
- through ``app.record`` / ``app.import_log`` otherwise, with the ``app`` fixture
  (tests/conftest.py: SQLite and PostgreSQL) and ``refused(...)`` from conftest.

Name the test as the sentence it proves (``test_a_nul_in_a_claim_ref_is_refused``) and,
when it closes a reported hole, the issue item in a comment (``# issue 5 item 1``).
The choices behind these tests are in docs/decisions.md, section "Hostile input".
"""
