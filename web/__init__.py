"""The web app (Flask + HTMX) for insured businesses and insurer staff.

Not built yet: it is the subject of a later issue. It will call only the
``casemgr`` package (see docs/architecture.md)."""
