"""Background workers (Celery + Redis): reminders, recomputation, read models.

Not built yet: the subject of a later issue. They will call only ``casemgr``."""
