"""Channel providers: the interface a delivery job sends through, and the development providers.

A provider takes an `OutgoingMessage` and returns its own id for it; it raises when the message
may not have gone (the job then retries with backoff). Every message carries an idempotency key
(`delivery-<id>`): real services (SES, Twilio's `Idempotency-Key`, FCM message ids) accept one so
that a retry after a lost answer does not send twice; the development providers honour it the
same way, so a retried delivery is written once.

Development (the default for every channel): what would be sent is written as JSON to
`DATA_DIR/outbox/<channel>/<idempotency key>.json`, where a developer reads it. Production
swaps a channel's provider with `register(channel, provider)` at start-up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kit.settings import get_settings


@dataclass(frozen=True)
class OutgoingMessage:
    delivery_id: int
    notification_id: int
    hostel_id: int | None  # None: account mail
    channel: str  # IN_APP, EMAIL, SMS, PUSH
    recipient: list[str]  # an address, a phone number, device tokens, or the user id (in-app)
    title: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # email: List-Unsubscribe and its one-click POST

    @property
    def idempotency_key(self) -> str:
        return f"delivery-{self.delivery_id}"


class Provider(Protocol):
    name: str

    async def send(self, message: OutgoingMessage) -> str:
        """Send `message` (once per idempotency key); the provider's id of it."""
        ...


def outbox_dir() -> Path:
    return get_settings().data_dir / "outbox"


class DevelopmentProvider:
    """Writes the message to DATA_DIR/outbox/<channel>/<key>.json; a second send with the same
    key finds the file and sends nothing (exclusive create, as a real provider's idempotency)."""

    def __init__(self, channel: str, folder: Path | None = None) -> None:
        self.channel = channel
        self.name = f"development-{channel.lower()}"
        self.folder = folder  # None: DATA_DIR/outbox, read when sending

    def path(self, message: OutgoingMessage) -> Path:
        return (self.folder or outbox_dir()) / self.channel.lower() / f"{message.idempotency_key}.json"

    async def send(self, message: OutgoingMessage) -> str:
        path = self.path(message)
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.name  # sent before: the same answer, nothing written again
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(message), out, ensure_ascii=False, indent=2)
        return path.name


class InAppProvider:
    """The in-app message is the notification row itself; delivering it records the moment."""

    name = "in-app"

    async def send(self, message: OutgoingMessage) -> str:
        return f"notification-{message.notification_id}"


_PROVIDERS: dict[str, Provider] = {
    "IN_APP": InAppProvider(),
    **{channel: DevelopmentProvider(channel) for channel in ("EMAIL", "SMS", "PUSH")},
}


def provider_for(channel: str) -> Provider:
    return _PROVIDERS[channel]


def register(channel: str, provider: Provider) -> Provider:
    """Make `provider` send `channel`'s messages; returns the one it replaces."""
    previous, _PROVIDERS[channel] = _PROVIDERS[channel], provider
    return previous


@contextmanager
def registered(channel: str, provider: Provider) -> Iterator[Provider]:
    previous = register(channel, provider)
    try:
        yield provider
    finally:
        register(channel, previous)
