"""Operation limits as validation rules, run once per document (the result is cached).

- depth: nesting of fields (introspection fields excluded),
- aliases: aliased fields in the whole document,
- cost: every object field costs its declared cost (default 1, scalars 0), multiplied by the
  page size of each enclosing list (`first`/`last`, the cap when it comes from a variable).
Token counts are limited by the parser itself (settings.max_tokens).
- introspection: `__schema` once and `__type` ten times per document (their nesting is
  bounded by graphql-core's MaxIntrospectionDepthRule; they are outside depth and cost).

Every rule here walks each fragment's body once per validation (memoised), so validation is
linear in the document however often fragments spread each other. graphql-core's own
OverlappingFieldsCanBeMerged compares every pair of fields that share a response name (a
document repeating one field a few hundred times costs seconds): its comparisons are
counted and validation stops with QUERY_TOO_COMPLEX past settings.max_field_comparisons.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import re
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import graphql.validation.rules.overlapping_fields_can_be_merged as _overlapping

import orjson
from graphql import GraphQLError, get_named_type
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode
from graphql.validation import ValidationContext, ValidationRule

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.http_errors import RETRY_AFTER, UNAVAILABLE
from kit.fields import FIELD_COSTS
from kit.settings import Settings

log = logging.getLogger("gateway.http")


# "Type.field" -> cost, declared next to fields that are expensive (reports, exports).
def _limited(code: str, message: str, node: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


class TooComplex(Exception):
    """Validation would take more work than the document may ask for."""


_comparisons_left: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("comparisons_left", default=None)
_find_conflict = _overlapping.find_conflict


def _counted_find_conflict(*args: Any, **kwargs: Any) -> Any:
    left = _comparisons_left.get()
    if left is not None:
        WORK["field_comparisons"] += 1
        left[0] -= 1
        if left[0] < 0:
            raise TooComplex
    return _find_conflict(*args, **kwargs)


def _counted(original: Any, counter: str) -> Any:
    """`original` of the overlapping-fields rule, each call spending one unit of the budget."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        left = _comparisons_left.get()
        if left is not None:
            WORK[counter] += 1
            left[0] -= 1
            if left[0] < 0:
                raise TooComplex
        return original(*args, **kwargs)

    return counted


# the rule looks these functions up in its module at each call. Fields are compared pairwise,
# and so are the fragments spread side by side (each pair once, but n spreads are n²/2 pairs
# even when no two fields share a name): both spend the one budget.
_overlapping.find_conflict = _counted_find_conflict
_overlapping.collect_conflicts_between_fragments = _counted(
    _overlapping.collect_conflicts_between_fragments, "fragment_comparisons"
)
_overlapping.collect_conflicts_between_fields_and_fragment = _counted(
    _overlapping.collect_conflicts_between_fields_and_fragment, "fragment_comparisons"
)


# The cost of each operation of the document being validated, by name (None: anonymous),
# read by the endpoint and cached with the document: the rate limit charges it (kit/ratelimit.py).
_costs: contextvars.ContextVar[dict[str | None, int] | None] = contextvars.ContextVar("operation_costs", default=None)


@contextmanager
def recording_costs() -> Iterator[dict[str | None, int]]:
    """Collect the cost MaxCostRule computes for each operation validated in the block."""
    costs: dict[str | None, int] = {}
    token = _costs.set(costs)
    try:
        yield costs
    finally:
        _costs.reset(token)


@contextmanager
def comparison_budget(limit: int) -> Iterator[None]:
    """Bound graphql-core's field comparisons while validating one document (TooComplex past it)."""
    token = _comparisons_left.set([limit])
    try:
        yield
    finally:
        _comparisons_left.reset(token)


def too_complex_error() -> GraphQLError:
    return _limited(
        "QUERY_TOO_COMPLEX",
        "The document repeats the same fields too often to be checked; select each field once per object.",
        None,
    )


# Work counters (read by tests: validation must stay linear in the document, so each
# fragment's body is walked once per validation and rule, whatever the number of its spreads).
WORK: Counter[str] = Counter()


def make_rules(settings: Settings) -> list[type[ValidationRule]]:
    class MaxDepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.memo: dict[str, int] = {}

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _depth(self.context, node.selection_set, self.memo)
            if depth > settings.max_depth:
                self.report_error(
                    _limited(
                        "DEPTH_LIMIT", f"The query is {depth} levels deep; the limit is {settings.max_depth}.", node
                    )
                )

    class MaxAliasesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1
                if self.count == settings.max_aliases + 1:
                    self.report_error(
                        _limited("ALIAS_LIMIT", f"The query uses more than {settings.max_aliases} aliases.", node)
                    )

    class MaxCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.memo: dict[tuple[str, str], int] = {}

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            root = (
                schema.get_root_type(node.operation)
                if hasattr(schema, "get_root_type")
                else (schema.query_type if node.operation.value == "query" else schema.mutation_type)
            )
            if root is None:
                return
            cost = _cost(self.context, settings, root, node.selection_set, self.memo)
            costs = _costs.get()
            if costs is not None:
                costs[node.name.value if node.name else None] = cost
            if cost > settings.max_cost:
                self.report_error(
                    _limited(
                        "COST_LIMIT",
                        f"The query would cost {cost}; the limit is {settings.max_cost}. "
                        "Ask for smaller pages or fewer nested lists.",
                        node,
                    )
                )

    class IntrospectionRootsRule(ValidationRule):
        """Introspection is free of depth and cost (graphql-core bounds its nesting), but each
        `__schema` answers the whole schema (~140 kB, 0.27 s here): ten aliases of it were 2.7 s
        of the worker and 1.4 MB. One per document is what GraphiQL and code generators send."""

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.seen: Counter[str] = Counter()

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            name = node.name.value
            limit = INTROSPECTION_ROOTS.get(name)
            if limit is not None:
                self.seen[name] += 1
                if self.seen[name] == limit + 1:
                    self.report_error(
                        _limited(
                            "INTROSPECTION_LIMIT",
                            f"A document may ask for {name} at most {limit} time{'s' if limit > 1 else ''}.",
                            node,
                        )
                    )

    return [MaxDepthRule, MaxAliasesRule, MaxCostRule, IntrospectionRootsRule]


# introspection root field -> how many times one document may select it
INTROSPECTION_ROOTS = {"__schema": 1, "__type": 10}


_IN_PROGRESS = -1


def _depth(context: ValidationContext, selection_set: Any, memo: dict[str, int]) -> int:
    """Levels of fields under `selection_set`; each fragment's own depth is computed once."""
    if selection_set is None:
        return 0
    deepest = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + _depth(context, sel.selection_set, memo))
        elif isinstance(sel, InlineFragmentNode):
            deepest = max(deepest, _depth(context, sel.selection_set, memo))
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            known = memo.get(name)
            if known is None:
                frag = context.get_fragment(name)
                if frag is None:
                    continue
                memo[name] = _IN_PROGRESS  # a cycle (reported by NoFragmentCycles) counts nothing
                WORK["fragment_visits"] += 1
                known = memo[name] = _depth(context, frag.selection_set, memo)
            deepest = max(deepest, known if known != _IN_PROGRESS else 0)
    return deepest


def _page_size(settings: Settings, node: FieldNode) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value in ("first", "last"):
            value = arg.value
            if value.kind == "int_value":
                return max(0, int(value.value))
            return settings.max_page_size  # a variable: assume the largest page
    return None


def _cost(
    context: ValidationContext, settings: Settings, parent: Any, selection_set: Any, memo: dict[tuple[str, str], int]
) -> int:
    """The cost of `selection_set` on `parent`. A fragment costs as much as its body each
    time it is spread, but its body is costed once (memoised per fragment and parent type)."""
    if selection_set is None:
        return 0
    total = 0
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            name = sel.name.value
            if name.startswith("__") or not hasattr(parent, "fields"):
                continue
            field_def = parent.fields.get(name)
            if field_def is None:
                continue
            named = get_named_type(field_def.type)
            own = FIELD_COSTS.get(f"{parent.name}.{name}", 1 if hasattr(named, "fields") else 0)
            children = _cost(context, settings, named, sel.selection_set, memo)
            # A connection multiplies what is selected under it by its page size; its
            # edges/nodes lists are that same page, so they do not multiply again.
            multiplier = 1
            if named.name.endswith("Connection"):
                size = _page_size(settings, sel)
                multiplier = settings.default_page_size if size is None else size
            total += own + multiplier * children
        elif isinstance(sel, InlineFragmentNode):
            cond = context.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            total += _cost(context, settings, cond, sel.selection_set, memo)
        elif isinstance(sel, FragmentSpreadNode):
            key = (sel.name.value, getattr(parent, "name", ""))
            known = memo.get(key)
            if known is None:
                frag = context.get_fragment(sel.name.value)
                if frag is None:
                    continue
                memo[key] = _IN_PROGRESS
                WORK["fragment_visits"] += 1
                cond = context.schema.get_type(frag.type_condition.name.value)
                known = memo[key] = _cost(context, settings, cond, frag.selection_set, memo)
            total += known if known != _IN_PROGRESS else 0
    return total


# ---- admission: bounded waiting and load shedding (issue 17) ----------------------------------


class Shed(Exception):
    """The request was refused before it started: too many waiting, or waited too long."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Admission:
    """At most `limit` requests of this process run at once (each holds a pooled connection, so
    more would only wait for the pool; AdmissionMiddleware below puts every route that touches
    the database under it); up to `queue` more wait, each at most
    `wait_seconds`; past that a request is refused at once (503 + Retry-After) instead of
    waiting seconds behind the others, so the admitted requests' latency stays bounded.

    Anonymous callers (no valid access token) may fill only `anonymous_share` of the queue and
    are woken after any waiting user: under overload they are shed first.

    Hand-written because the admission is per caller class: uvicorn's --limit-concurrency answers
    plain text without Retry-After and cannot tell users from anonymous callers, and
    asyncio.Semaphore has neither a queue bound nor a priority."""

    def __init__(self, limit: int, queue: int, wait_seconds: float, anonymous_share: float = 0.5) -> None:
        self.limit, self.queue, self.wait_seconds = max(1, limit), max(0, queue), wait_seconds
        self.anonymous_queue = int(self.queue * anonymous_share)
        self.running = 0
        self._users: deque[asyncio.Future[None]] = deque()
        self._anonymous: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._users) + len(self._anonymous)

    async def enter(self, authenticated: bool) -> float:
        """Take a slot (the caller must `leave()` after); returns the seconds waited. Raises Shed."""
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return 0.0
        # anonymous callers queue only while the line is shorter than their share of it
        if self.waiting >= (self.queue if authenticated else self.anonymous_queue):
            raise Shed("queue_full")
        line = self._users if authenticated else self._anonymous
        started = time.perf_counter()
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.append(slot)
        try:
            await asyncio.wait_for(asyncio.shield(slot), self.wait_seconds)
        except BaseException as exc:
            if slot.done() and not slot.cancelled():
                self.leave()  # the slot was handed over just as the wait ended: give it on
            else:
                slot.cancel()
                with contextlib.suppress(ValueError):
                    line.remove(slot)
            if isinstance(exc, TimeoutError):
                raise Shed("queue_timeout") from None
            raise
        return time.perf_counter() - started

    def leave(self) -> None:
        """Give the slot to the longest-waiting user, else anonymous caller, else free it."""
        for line in (self._users, self._anonymous):
            while line:
                slot = line.popleft()
                if not slot.done():
                    slot.set_result(None)  # the slot passes on: `running` is unchanged
                    return
        self.running -= 1

    def try_enter(self) -> bool:
        """Take a free slot at once if one is free and nobody waits (no caller class needed)."""
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return True
        return False


# ---- the admission in front of every route that touches the database --------------------------

# Answered whatever the load: the probes (/readyz must tell the load balancer the truth, not
# "busy"), the metrics scrape, the public keys and GraphiQL's assets. Every other path is under
# the admission, so a route added later is admitted unless it is named here.
ADMISSION_EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"})
ADMISSION_EXEMPT_PREFIXES = ("/static/",)
# the time the admission saw the request (a float of time.perf_counter() in the ASGI scope): the
# request-duration histogram starts there, so it includes the wait for a slot
ARRIVED = "campus.arrived"
SHED_REASON = "campus.shed"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # as gateway/app.py RequestIdMiddleware


def admitted_path(scope: Scope) -> bool:
    """Whether this request goes through the admission: HTTP (not WebSocket: a subscription's
    socket has LIVE_MAX_SUBSCRIPTIONS) and not a CORS preflight or an exempt path."""
    if scope["type"] != "http" or scope["method"] == "OPTIONS":
        return False
    path = scope["path"]
    return path not in ADMISSION_EXEMPT_PATHS and not path.startswith(ADMISSION_EXEMPT_PREFIXES)


_shed_log = {"at": 0.0, "since": 0}


def log_shed(reason: str, caller: str) -> None:
    """A refused request, logged one line per second at most for the whole process (the
    admission's refusals and the pool's time-outs alike): an overload sheds thousands of requests
    a second, and a line each would add to it (the counts are in campus_requests_shed_total)."""
    _shed_log["since"] += 1
    now = time.monotonic()
    if now - _shed_log["at"] >= 1.0:
        log.warning("request shed", extra={"reason": reason, "caller": caller, "shed": _shed_log["since"]})
        _shed_log["at"], _shed_log["since"] = now, 0


class AdmissionMiddleware:
    """The outermost layer of the app: the admission (Admission above) for every HTTP route but
    the exempt ones, before anything else runs. A refusal reads no body, passes through no other
    middleware, logs at most one line a second and is answered in one small JSON 503 (the
    request id, `SERVICE_UNAVAILABLE`, `reason`, Retry-After, the GraphQL-over-HTTP media type
    the client asked for): under overload refusals are most of the traffic, and what they cost
    comes out of the admitted requests' time.

    The caller's class (user or anonymous) is read only when the request has to queue: the token
    is verified once (KeySet caches it) and the claims are left in the request's state for the
    route (GraphQLHTTP._authenticate)."""

    def __init__(
        self,
        app: ASGIApp,
        admission: Admission,
        is_user: Callable[[Scope], bool],
        media_type: Callable[[str | None], str],
        on_shed: Callable[[str, str], None] | None = None,
        on_wait: Callable[[float], None] | None = None,
        refusal_wrapper: Callable[[ASGIApp], ASGIApp] | None = None,
    ) -> None:
        self.app, self.admission = app, admission
        self.is_user, self.media_type = is_user, media_type
        self.on_shed, self.on_wait = on_shed, on_wait
        # CORS around the refusal of a cross-site request (gateway/app.py), so that a browser reads it
        self.cors_refusal = refusal_wrapper(self._refusal) if refusal_wrapper else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not admitted_path(scope):
            await self.app(scope, receive, send)
            return
        scope[ARRIVED] = time.perf_counter()
        admission = self.admission
        if not admission.try_enter():
            user = self.is_user(scope)
            try:
                waited = await admission.enter(authenticated=user)
            except Shed as exc:
                caller = "user" if user else "anonymous"
                if self.on_shed is not None:
                    self.on_shed(exc.reason, caller)
                log_shed(exc.reason, caller)
                await self._refuse(scope, receive, send, exc.reason)
                return
            if self.on_wait is not None:
                self.on_wait(waited)
        elif self.on_wait is not None:
            self.on_wait(0.0)
        try:
            await self.app(scope, receive, send)
        finally:
            admission.leave()

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, reason: str) -> None:
        scope[SHED_REASON] = reason
        if self.cors_refusal is not None and any(name == b"origin" for name, _ in scope["headers"]):
            await self.cors_refusal(scope, receive, send)
        else:
            await self._refusal(scope, receive, send)

    async def _refusal(self, scope: Scope, receive: Receive, send: Send) -> None:
        accept = incoming = None
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"x-request-id":
                incoming = value.decode("latin-1")
        # as RequestIdMiddleware's ids (32 hex digits), without building a UUID
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else os.urandom(16).hex()
        body = orjson.dumps(
            {
                "errors": [
                    {
                        "message": "The server is busy; retry shortly.",
                        "extensions": {"code": UNAVAILABLE, "requestId": request_id, "reason": scope[SHED_REASON]},
                    }
                ]
            }
        )
        headers = [
            (b"content-type", self.media_type(accept).encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", RETRY_AFTER.encode()),
            (b"x-request-id", request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
