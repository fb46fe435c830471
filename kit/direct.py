"""Direct answers: a query whose root fields PostgreSQL answers whole, without graphql-core.

When every root field of a query is `node(id:)` or a kit root connection whose selection is pure
data (kit/sql_json.py), each field's own resolver returns the JSON PostgreSQL wrote, and
graphql-core's execution around it (building the execution context, collecting fields, completing
values) does nothing but copy that Fragment into `data`. Such an operation is recognised once per
cached document (`plan`); each request then coerces its variables and calls the root fields'
resolvers itself (`run`): the same resolvers, with their rules, input cleaning and row filters,
through the `field.resolve` graphql-core would call.

What the direct path cannot answer goes back to the ordinary executor before any statement is
sent: a selection that is not pure data, a caller the field's rule refuses (the ordinary path
words the error), variables that do not coerce. A resolver that answers with objects after all (a
rare ordering whose cursor SQL cannot be written) makes the ordinary path run the operation again:
a read, so nothing happens twice. Errors of the database itself are the field's error, as
graphql-core would report them. The bytes of `data` are the ordinary path's
(tests/test_sql_json.py runs every document both ways).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    located_error,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path
from graphql.type.definition import GraphQLResolveInfoHelpers, is_non_null_type
from sqlalchemy.exc import DBAPIError

from kit.db import DatabaseUnavailable

# root fields whose resolver may answer with PostgreSQL's JSON, and the check that tells, before
# any statement, whether it will for this request: (info, arguments) -> bool
DIRECT_ROOT_FIELDS: dict[str, Any] = {}
STATS = {"answered": 0, "declined": 0}  # tests/test_sql_json.py

_DATABASE_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError, DatabaseUnavailable, OSError)


def direct_root_field(name: str, ready: Any) -> None:
    """Declare Query.`name` answerable directly when `ready(info, args)` says so."""
    DIRECT_ROOT_FIELDS[name] = ready


@dataclass(frozen=True)
class DirectPlan:
    operation: OperationDefinitionNode
    fragments: dict[str, Any]
    # (response key, field name, its definition or None for __typename, the field node)
    fields: tuple[tuple[str, str, GraphQLField | None, FieldNode], ...]


def plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> DirectPlan | None:
    """The direct plan of a validated document's query, or None when it has to be executed."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            return None
        operation = operations[0]
    else:
        found = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if len(found) != 1:
            return None
        operation = found[0]
    root = schema.query_type
    if operation.operation is not OperationType.QUERY or root is None or operation.directives:
        return None
    fields: list[tuple[str, str, GraphQLField | None, FieldNode]] = []
    seen: set[str] = set()
    for selection in operation.selection_set.selections:
        # fragments at the root, directives (@skip/@include) and a key asked twice (merged
        # fields) are graphql-core's to handle
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        key = selection.alias.value if selection.alias else selection.name.value
        name = selection.name.value
        if key in seen:
            return None
        seen.add(key)
        if name == "__typename":
            fields.append((key, name, None, selection))
            continue
        if name not in DIRECT_ROOT_FIELDS or name not in root.fields:
            return None
        fields.append((key, name, root.fields[name], selection))
    if not fields:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return DirectPlan(operation, fragments, tuple(fields))


async def _gather(values: Any) -> list[Any]:
    return list(await asyncio.gather(*values))


def _track(values: Any) -> None:
    for value in values:
        asyncio.ensure_future(value)


_HELPERS = GraphQLResolveInfoHelpers(gather=_gather, track=_track)


class Declined(Exception):
    """The direct path does not answer this request: the ordinary executor does."""


async def run(
    schema: GraphQLSchema, direct: DirectPlan, context: Any, variables: dict[str, Any] | None, is_awaitable: Any
) -> tuple[dict[str, Any] | None, list[GraphQLError]]:
    """`data` and the field errors of the database; Declined when the ordinary path answers."""
    coerced = get_variable_values(schema, direct.operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):
        raise Declined  # the ordinary path reports the variables' errors
    root = schema.query_type
    assert root is not None  # plan() found it
    prepared: list[tuple[str, GraphQLField | None, Any, dict[str, Any]]] = []
    for key, name, field, node in direct.fields:
        if field is None:
            prepared.append((key, None, None, {}))
            continue
        info = GraphQLResolveInfo(
            name,
            [node],
            field.type,
            root,
            Path(None, key, root.name),
            schema,
            direct.fragments,
            None,
            direct.operation,
            coerced,
            context,
            is_awaitable,
            None,
            _HELPERS,
        )
        try:
            args = get_argument_values(field, node, coerced) if field.args or node.arguments else {}
            ready = DIRECT_ROOT_FIELDS[name](info, args)
        except Exception:  # noqa: BLE001 - whatever the check cannot judge, the ordinary path words
            ready = False
        if not ready:
            STATS["declined"] += 1
            raise Declined
        prepared.append((key, field, info, args))
    data: dict[str, Any] | None = {}
    errors: list[GraphQLError] = []
    for key, field, info, args in prepared:
        if field is None:
            assert data is not None
            data[key] = root.name
            continue
        try:
            assert field.resolve is not None  # kit root fields resolve
            result = field.resolve(None, info, **args)
            if is_awaitable(result):
                result = await result
        except _DATABASE_ERRORS as exc:
            errors.append(located_error(exc, info.field_nodes, info.path.as_list()))
            if is_non_null_type(field.type):
                data = None
            elif data is not None:
                data[key] = None
            continue
        except Exception:  # noqa: BLE001 - refused after all (the check is a forecast): the ordinary path words it
            STATS["declined"] += 1
            raise Declined from None
        if result is not None and type(result) is not orjson.Fragment:
            STATS["declined"] += 1
            raise Declined  # objects after all: the ordinary path completes them (a read, run again)
        if data is not None:
            data[key] = result
    STATS["answered"] += 1
    return data, errors
