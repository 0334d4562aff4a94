"""The client's exceptions: one base class, and one subclass per thing a caller handles."""

from __future__ import annotations


class BabblefishError(Exception):
    """Anything that went wrong talking to the monitor."""


class BabblefishConnectionError(BabblefishError):
    """The monitor could not be reached, timed out, or dropped the connection."""


class BabblefishAuthenticationError(BabblefishError):
    """The monitor rejected the token (HTTP 401)."""


class BabblefishProtocolError(BabblefishError):
    """The monitor speaks another protocol version, or sent something this client cannot read."""

    def __init__(self, message: str, *, remote_version: int | None = None) -> None:
        """Keep the monitor's protocol version when that is what differs."""
        super().__init__(message)
        self.remote_version = remote_version


class BabblefishCommandError(BabblefishError):
    """The monitor refused a command."""


class BabblefishRequestError(BabblefishError):
    """The monitor refused a request as wrong (HTTP 4xx): `status`, its `code` and its message."""

    def __init__(self, message: str, *, status: int, code: str | None) -> None:
        """Keep what the monitor said, so a caller can tell the user."""
        super().__init__(message)
        self.status = status
        self.code = code
