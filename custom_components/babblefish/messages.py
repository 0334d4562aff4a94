"""Decoding what the monitor sends: WebSocket messages, and the refusals of HTTP requests."""

from __future__ import annotations

import json

import aiohttp

from . import protocol
from .exceptions import BabblefishProtocolError, BabblefishRequestError
from .models import (
    CommandResult,
    CryEvent,
    Hello,
    Info,
    Message,
    State,
    check_protocol_version,
    known_event,
)
from .wire import WireObject


def parse_message(raw: object) -> Message | None:
    """Turn one WebSocket message into a model; None for message types this client does not know."""
    message = WireObject(raw, "message")
    kind = message.string("type")
    if kind == protocol.MESSAGE_HELLO:
        check_protocol_version(message.integer("protocol_version"))
        return Hello(
            info=Info.read(message.child("info")), state=State.read(message.child("state"))
        )
    if kind == protocol.MESSAGE_STATE:
        return State.read(message.child("state"))
    if kind == protocol.MESSAGE_EVENT:
        event = known_event(message.string("event"))
        return None if event is None else CryEvent.read(event, message.child("data"))
    if kind == protocol.MESSAGE_RESULT:
        return CommandResult.read(message)
    return None


async def refusal(response: aiohttp.ClientResponse) -> BabblefishRequestError:
    """The monitor's `{"error", "message"}` refusal as an exception (its body may be anything)."""
    text = await response.text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        code = data.get("error")
        return BabblefishRequestError(
            data["message"], status=response.status, code=code if isinstance(code, str) else None
        )
    return BabblefishRequestError(
        text[:200] or response.reason or "refused", status=response.status, code=None
    )


def decode(text: str) -> object:
    """One WebSocket text message as JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BabblefishProtocolError("the monitor sent a non-JSON message") from err
