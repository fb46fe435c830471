"""Live updates: events published with `pg_notify` inside the writing transaction, heard by one
dedicated LISTEN connection per gateway process and handed to that process's subscriptions.

- Publishing (`publish`, `publish_hostel_activity`) is a statement in the writer's transaction:
  PostgreSQL delivers a NOTIFY only at COMMIT, and drops it when the transaction (or the
  mutation's savepoint) rolls back, so a write that did not happen tells nobody.
- A payload carries ids only (a topic such as `booking:42` and global IDs): every subscriber
  re-reads the row through the ordinary read path with its own scope and rules
  (schema/live.py), so what one process hears never leaks a value another caller could not read.
- `LiveHub` holds one plain asyncpg connection per process (not a pooled SQLAlchemy one: a
  LISTEN belongs to its session, and a pooled connection is handed to other requests). Behind
  PgBouncer in transaction mode a LISTEN does not survive, so LIVE_DATABASE_URL may point it
  straight at PostgreSQL. If that connection is lost, every subscription of the process ends
  with an error (the client subscribes again; the next subscription connects again): an event
  sent meanwhile could not be heard, and a stream that silently missed events would be worse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

log = logging.getLogger("kit.live")

CHANNEL = "campus_live"
QUEUE_SIZE = 200  # events waiting for one slow subscriber before it is ended (it may subscribe again)


def _statement(topic: str, fields: dict[str, Any]) -> Any:
    return select(func.pg_notify(CHANNEL, orjson.dumps({"topic": topic, **fields}).decode()))


async def publish(target: Any, topic: str, **ids: int | str | None) -> None:
    """Announce `topic` (e.g. `notification:<user id>`) with `ids`, in `target`'s transaction
    (an AsyncSession or AsyncConnection): heard by every process's subscribers at COMMIT only."""
    await target.execute(_statement(topic, ids))


def publish_sync(connection: Any, topic: str, **ids: int | str | None) -> None:
    """`publish` from ORM flush events, which receive the flush's (synchronous) connection."""
    connection.execute(_statement(topic, ids))


def hostel_topic(hostel_id: int) -> str:
    return f"hostel:{int(hostel_id)}"


async def publish_hostel_activity(target: Any, hostel_id: int, kind: str, node_id: str) -> None:
    """The hook every hostel domain calls for its warden's feed (`hostelActivity`): `kind` says
    what happened (BOOKING_CREATED, CHECKED_IN, COMPLAINT_CREATED, ...; upper-case words), `node_id`
    is the global ID of the object concerned, which each subscriber reads through `node` with its
    own rules. Call it in the writing transaction (a mutation's session): a rolled-back write
    publishes nothing."""
    await publish(target, hostel_topic(hostel_id), kind=kind, node=node_id)


def publish_hostel_activity_sync(connection: Any, hostel_id: int, kind: str, node_id: str) -> None:
    publish_sync(connection, hostel_topic(hostel_id), kind=kind, node=node_id)


class LiveLost(Exception):
    """The process stopped hearing events (its LISTEN connection ended, or the subscriber fell too
    far behind): the subscription ends, the client subscribes again."""


class Subscription:
    """What one subscriber hears: the events of its topics, in commit order."""

    def __init__(self, hub: LiveHub, topics: tuple[str, ...]) -> None:
        self.hub, self.topics = hub, topics
        self.queue: asyncio.Queue[dict[str, Any] | LiveLost] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, item: dict[str, Any] | LiveLost) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.hub.drop(self)
            self.queue.get_nowait()  # room for the reason
            self.queue.put_nowait(LiveLost("Too many events were waiting for this subscription; subscribe again."))

    async def next(self) -> dict[str, Any]:
        item = await self.queue.get()
        if isinstance(item, LiveLost):
            raise item
        return item

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.next()


def listen_dsn(database_url: str) -> str:
    """asyncpg's DSN for a SQLAlchemy URL (`postgresql+asyncpg://...`)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class LiveHub:
    """The process's LISTEN connection and its subscriptions by topic."""

    def __init__(self, database_url: str) -> None:
        self.dsn = listen_dsn(database_url)
        self._conn: Any = None
        self._connecting = asyncio.Lock()
        self._topics: dict[str, set[Subscription]] = {}
        self._closed = False

    async def _listening(self) -> None:
        async with self._connecting:
            if self._conn is not None and not self._conn.is_closed():
                return
            if self._closed:
                raise LiveLost("The server is stopping.")
            conn = await asyncpg.connect(self.dsn, server_settings={"application_name": "campus-live"})
            conn.add_termination_listener(self._lost)
            await conn.add_listener(CHANNEL, self._heard)
            self._conn = conn

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = orjson.loads(payload)
            topic = event["topic"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            log.warning("unreadable live event", extra={"payload": payload[:200]})
            return
        for subscription in tuple(self._topics.get(topic, ())):
            subscription.offer(event)

    def _lost(self, conn: Any) -> None:
        if conn is not self._conn:
            return
        self._conn = None
        if not self._closed:
            log.warning("the LISTEN connection ended: live subscriptions end")
        for subscription in {s for subs in self._topics.values() for s in subs}:
            self.drop(subscription)
            subscription.offer(LiveLost("The server stopped hearing events; subscribe again."))

    def drop(self, subscription: Subscription) -> None:
        for topic in subscription.topics:
            subs = self._topics.get(topic)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._topics[topic]

    @contextlib.asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[Subscription]:
        """Hear `topics` until the block ends. LISTEN is running when this returns: an event
        committed from now on is heard."""
        await self._listening()
        subscription = Subscription(self, topics)
        for topic in topics:
            self._topics.setdefault(topic, set()).add(subscription)
        try:
            yield subscription
        finally:
            self.drop(subscription)

    def subscribers(self) -> int:
        return len({s for subs in self._topics.values() for s in subs})

    async def close(self) -> None:
        self._closed = True
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
