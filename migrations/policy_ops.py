"""The policy operations of a generated revision: each one call of migrations/rls.py, rendered
as that line (`rls.enable_public_catalogue('hostel_media')`) with `from migrations import rls`."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations.ops import MigrateOperation


class PolicyOp(MigrateOperation):
    """One call of migrations/rls.py in a generated revision."""

    def __init__(self, call: str) -> None:
        self.call = call

    def reverse(self) -> MigrateOperation:  # pragma: no cover - reverses are written explicitly
        raise NotImplementedError


@renderers.dispatch_for(PolicyOp)
def _render(autogen_context: Any, op: PolicyOp) -> str:
    autogen_context.imports.add("from migrations import rls")
    return op.call
