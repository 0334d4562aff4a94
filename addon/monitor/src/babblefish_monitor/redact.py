"""Keeps secrets out of logs and the API: passwords in source URLs and the API token."""

from __future__ import annotations

import logging
import re

# scheme://user:password@host -> scheme://user:***@host; the password may hold '/' or ':', and the
# last '@' before the host ends it.
_URL_PASSWORD = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*):(?P<password>[^\s]*?)@(?=[^\s@]*(?:[\s/?#]|$))"
)
MASK = "***"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with URL passwords and each given secret replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites every record a handler emits so that no secret reaches the log."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_log_filter(secrets: tuple[str, ...] = ()) -> RedactingFilter:
    """Put one RedactingFilter on every handler of the root logger (filters on loggers do not
    see records that propagate from child loggers; handlers do)."""
    log_filter = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(log_filter)
    return log_filter


def masked_token(token: str) -> str:
    """Enough of a token to recognise it, not to use it."""
    return f"{token[:4]}{MASK}"
