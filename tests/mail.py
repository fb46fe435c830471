"""Reading account mail in tests (password reset, invitations): what the notification pipeline's
development email and SMS providers wrote, as a developer reads it.

    from tests.mail import mailbox_fixture  # noqa: F401 - provides the `mailbox` fixture

    async def test_x(own_client, mailbox):
        ...request a reset through HTTP...
        (mail,) = await mailbox.read(email)
        token = link_token(mail, "reset-password")

`mailbox` points the EMAIL and SMS development providers (resolvers/notification/providers.py)
at the test's folder; `read` runs the `notifications` queue (the account-mail job, then the
deliveries) until the mail for that address is there."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolvers.jobs import tasks
from resolvers.notification import pipeline, providers

CHANNELS = ("EMAIL", "SMS")


class Mailbox:
    def __init__(self, folder: Path, app_url: str) -> None:
        self.folder = folder
        self.app_url = app_url  # the worker's database login

    def sent(self, to: str, channel: str = "EMAIL") -> list[dict[str, Any]]:
        """What was written for `to` so far, oldest first."""
        files = sorted((self.folder / channel.lower()).glob("delivery-*.json"), key=lambda p: int(p.stem.split("-")[1]))
        messages = [json.loads(p.read_text()) for p in files]
        return [m for m in messages if to in m["recipient"]]

    async def run_queue(self) -> None:
        await tasks.run_worker(
            self.app_url,
            queues=[pipeline.QUEUE],
            wait=False,
            concurrency=1,
            install_signal_handlers=False,
            stalled_seconds=3600,
        )

    async def read(self, to: str, channel: str = "EMAIL", count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        """The mail for `to` once at least `count` messages are there (runs the queue meanwhile)."""
        deadline = time.monotonic() + timeout
        while True:
            await self.run_queue()
            found = self.sent(to, channel)
            if len(found) >= count:
                return found
            assert time.monotonic() < deadline, f"no {channel} for {to} after {timeout} s (found {len(found)})"
            await asyncio.sleep(0.2)


@pytest.fixture(name="mailbox")
def mailbox_fixture(tmp_path: Path, app_url: str) -> Iterator[Mailbox]:
    """The `mailbox` fixture: import `mailbox_fixture` into a test module to use it."""
    folder = tmp_path / "mail"
    saved = {c: providers.register(c, providers.DevelopmentProvider(c, folder)) for c in CHANNELS}
    yield Mailbox(folder, app_url)
    for channel, provider in saved.items():
        providers.register(channel, provider)


def link_token(message: dict[str, Any], path: str) -> str:
    """The token of the `/<path>?token=...` link in a message's body."""
    match = re.search(rf"/{path}\?token=(\S+)", message["body"])
    assert match, message["body"]
    return match.group(1)
