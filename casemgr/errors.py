"""Errors of the application layer. Library errors are translated into these."""

from events.errors import DomainError, NotPermitted

__all__ = ["CaseError", "DomainError", "NotPermitted", "NotFound", "ConcurrentUpdate"]

CaseError = DomainError


class NotFound(DomainError):
    """No policy or incident by that id or reference."""


class ConcurrentUpdate(DomainError):
    """Someone else kept writing to the same incident; nothing was stored."""
