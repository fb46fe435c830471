"""The request context (`info.context`): who is asking, in which tenant and session,
on which connection. Resolvers take scope only from here, never from arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.db import RequestDB
from gateway.settings import Settings
from resolvers.common.loaders import LoaderRegistry
from resolvers.common.registry import EntitySpec


@dataclass
class RequestContext:
    settings: Settings
    db: RequestDB
    request_id: str
    client_ip: str | None = None
    # identity (filled from the token by the identity layer)
    user_id: int | None = None
    roles: frozenset[str] | None = None
    # scope: the active tenant of each family and the resolved academic session
    school_id: int | None = None
    hostel_id: int | None = None
    session_id: int | None = None
    loaders: LoaderRegistry = field(init=False)
    request: Any = None

    def __post_init__(self) -> None:
        self.loaders = LoaderRegistry(self)

    def tenant_conditions(self, spec: EntitySpec, alias: Any, bind: Any) -> list[Any]:
        """The tenant predicate for a table of `spec` (the shared query builder's layer 1)."""
        key = spec.tenant_key
        if key == "school_id" and self.school_id is not None:
            return [alias.c.school_id == bind(self.school_id)]
        if key == "hostel_id" and self.hostel_id is not None:
            return [alias.c.hostel_id == bind(self.hostel_id)]
        return []
