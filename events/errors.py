"""Errors raised by the domain. No I/O, no framework: plain exceptions."""


class DomainError(ValueError):
    """An input the domain refuses. Nothing is recorded when it is raised.

    ``field`` names the offending field (dotted, e.g. ``events[3].cost_yen``)
    so that every surface (CLI, API, forms) can point at it. ``message`` is an
    ``events.texts.Text`` (its value the English) so that a page can say it in the
    reader's language (decision 62).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def within(self, prefix: str) -> "DomainError":
        """The same error, its field placed under ``prefix``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return type(self)(self.message, field)


class NotPermitted(DomainError):
    """The actor's role may not do this."""


class AlreadySent(DomainError):
    """This reminder (incident, deadline, claim, due date, offset) was recorded before:
    a retried task can tell it from a real failure (DOMAIN §4.2)."""
