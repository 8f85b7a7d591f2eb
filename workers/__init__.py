"""Background workers on Celery: the outbox follower, statements kept current, reminders.

They reach the core only through ``casemgr.bootstrap`` and ``casemgr.service`` (an
import-linter contract), build it once per process (``workers.runtime``), and keep no state
of their own: the event store and the ledger beside the read model say what is owed, the
broker only carries the doorbell. See docs/architecture.md, "Workers"."""
