"""The Relay `Node` interface. Objects carry their global ID in `id` already."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a global ID, fetchable with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global ID: opaque, stable, the key of node(id:).")
