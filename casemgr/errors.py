"""Errors of the application layer. Library errors are translated into these;
every one is a DomainError, so each surface reports them the same way."""

from events.errors import DomainError, NotPermitted

__all__ = ["DomainError", "NotPermitted", "NotFound", "ConcurrentUpdate"]


class NotFound(DomainError):
    """No policy or incident by that id or reference."""


class ConcurrentUpdate(DomainError):
    """Someone else kept writing to the same incident; nothing was stored."""
