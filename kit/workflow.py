"""The workflow frame: a workflow mutation is its service function plus one declaration.

    # resolvers/transport/service.py
    async def enroll(ctx, session, student_id: Ref[models.Student], pickup_point_id: Ref[models.PickupPoint]) -> int:
        ...  # the rules; raises UserErrors for expected failures; returns the enrollment's id

    # schema/transport.py
    mutations = (workflow("transportEnroll", service.enroll, ADMINS, returns=models.TransportEnrollment,
                          description="Enroll a student on a pickup point ..."), ...)

From the service's parameters after `ctx` (and `session`) comes `TransportEnrollInput`
(`Ref[Model]` parameters take a global ID of that type, decoded and checked against the caller's
tenant: another tenant's row is NOT_FOUND; a parameter with a default is optional); from
`returns` comes `TransportEnrollPayload { transportEnrollment, errors }`. The frame checks the rule
(declared for the deny-by-default walk), opens the mutation's savepoint, turns `UserErrors` into
payload errors (nothing is written), and writes the activity/audit entry naming the mutation
and the returned row. The mutation's name is spelled once.

A service that opens its own `writes.mutation_scope` (it locks or retries in its own way) takes
no `session`; the frame then checks the references in a read of its own and leaves the audit
entry to the service.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import typing
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info
from strawberry.types.unset import UNSET

from auth.permissions import Rule, declare
from kit import writes
from kit.connection import graphql_enum
from kit.errors import ErrorCode, user_error
from kit.mutations import decode_ref, payload_type, reference_visible, run_mutation, run_workflow
from kit.registry import camel, prose, spec_for_model


class Doc:
    """`Annotated[str, Doc("...")]`: the description of a workflow parameter's input field."""

    def __init__(self, text: str) -> None:
        self.text = text


class RefTo:
    """Marks an `int` parameter as the primary key of a `model` row, given as a global ID."""

    def __init__(self, model: type[Any], many: bool = False) -> None:
        self.model, self.many = model, many


class Ref:
    """`student_id: Ref[models.Student]`: the service receives the row's id (an int); the client
    sends the Student's global ID. `Ref.many[models.Student]` for a list of them."""

    def __class_getitem__(cls, model: type[Any]) -> Any:
        return Annotated[int, RefTo(model)]

    class many:  # noqa: N801 - reads as Ref.many[Model]
        def __class_getitem__(cls, model: type[Any]) -> Any:
            return Annotated[list[int], RefTo(model, many=True)]


# A global ID the service decodes itself (`kit.ids.decode_gid`), where `Ref` would check the
# row against the caller's tenant: a row its owner reaches without one (a visitor's notification).
GlobalID = strawberry.ID

_SCALARS = (str, int, bool, Decimal, dt.date, dt.datetime, dt.time, GlobalID, Upload)  # Upload: a file part


def _doc(hint: Any) -> str | None:
    if typing.get_origin(hint) is Annotated:
        for extra in typing.get_args(hint)[1:]:
            if isinstance(extra, Doc):
                return extra.text
            if type(extra).__name__ == "Doc" and hasattr(extra, "documentation"):  # typing_extensions.Doc (PEP 727)
                documentation: str = extra.documentation
                return documentation
        return None
    for arg in typing.get_args(hint):  # Annotated inside `X | None`
        text = _doc(arg)
        if text:
            return text
    return None


def _graphql_kind(hint: Any) -> tuple[Any, RefTo | None, bool]:
    """(GraphQL annotation, reference marker or None, optional?) of a service parameter's hint."""
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
        origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *extras = typing.get_args(hint)
        ref = next((e for e in extras if isinstance(e, RefTo)), None)
        if ref is not None:
            return (list[strawberry.ID] if ref.many else strawberry.ID), ref, optional
        # a Doc around an optional reference (`Annotated[Ref[M] | None, Doc(...)]`): the
        # reference is inside; dropping it would hand the service the raw, unchecked global ID
        inner, inner_ref, inner_optional = _graphql_kind(base)
        return inner, inner_ref, optional or inner_optional
    if origin is list:
        (item,) = typing.get_args(hint)
        inner, _, _ = _graphql_kind(item)
        return list[inner], None, optional  # type: ignore[valid-type]  # a type made at run time
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return graphql_enum(hint), None, optional
    if hint in _SCALARS or hasattr(hint, "__strawberry_definition__"):
        return hint, None, optional
    raise TypeError(f"workflow parameter of type {hint!r}: say it as a scalar, an enum, Ref[Model] or a list of them")


def _input_type(
    name: str, params: list[inspect.Parameter], hints: dict[str, Any], description: str | None = None
) -> tuple[type, dict[str, RefTo]]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    refs: dict[str, RefTo] = {}
    for param in params:
        kind, ref, optional = _graphql_kind(hints[param.name])
        if ref is not None:
            refs[param.name] = ref
        has_default = param.default is not inspect.Parameter.empty
        words = param.name.replace("_", " ")
        text = _doc(hints[param.name]) or (
            f"Global ID of a {spec_for_model(ref.model).name} of your tenant."
            if ref is not None and not ref.many
            else f"Global IDs of {spec_for_model(ref.model).name} rows of your tenant."
            if ref is not None
            else f"{words[:1].upper()}{words[1:]}."
        )
        if has_default and param.default is not None and ref is None:
            # a literal default is the field's default in the schema (`evidenceUrls: [String!]! = []`)
            default = list(param.default) if isinstance(param.default, tuple) else param.default
            annotations[param.name] = kind | None if optional else kind
            namespace[param.name] = strawberry.field(
                default_factory=lambda d=default: list(d) if isinstance(d, list) else d, description=text
            )
        else:
            annotations[param.name] = kind | None if optional or has_default else kind
            # a None default reads `= null` in the schema, as the service says; passing null is the same
            namespace[param.name] = (
                strawberry.field(default=None if param.default is None else UNSET, description=text)
                if has_default
                else strawberry.field(description=text)
            )
    namespace["__annotations__"] = annotations
    return strawberry.input(type(name, (), namespace), name=name, description=description), refs


async def _check_visible(ctx: Any, session: Any, refs: dict[str, RefTo], values: dict[str, Any]) -> None:
    """Each referenced row exists for the caller's tenant (RLS and the tenant hooks scope the
    session) and is one the caller may read (the type's read rule and row filter): another
    tenant's row, or another resident's, is NOT_FOUND, as if it did not exist."""
    for param, ref in refs.items():
        pks = values.get(param)
        for pk in (pks if ref.many else [pks]) if pks is not None else []:
            if not await reference_visible(ctx, session, ref.model, pk):
                raise user_error(
                    ErrorCode.NOT_FOUND, f"No {spec_for_model(ref.model).name} with this ID.", camel(param)
                )


def workflow(
    name: str,
    service: Callable[..., Awaitable[int | None]],
    rule: Rule,
    *,
    returns: type,
    description: str | None = None,
    log: bool = True,
) -> type:
    """A Strawberry type holding the mutation `name`, to merge into the root Mutation."""
    signature = inspect.signature(service)
    hints = typing.get_type_hints(service, include_extras=True)
    params = list(signature.parameters.values())
    if not params or params[0].name != "ctx":
        raise TypeError(f"{service.__qualname__}: a workflow service takes ctx first")
    frame_scope = len(params) > 1 and params[1].name == "session"
    fields = params[2:] if frame_scope else params[1:]
    title = name[:1].upper() + name[1:]
    input_type, refs = _input_type(f"{title}Input", fields, hints, f"What {name} needs.")
    from kit.declared import declaration, type_of
    from models.entity import Entity

    decl = declaration(returns)
    if isinstance(decl, Entity) and not decl.hand_written:
        type_of(returns)  # a generated type exists before its payload names it
    spec = spec_for_model(returns)
    payload = payload_type(f"{title}Payload", spec)
    declare(f"Mutation.{name}", rule)

    def decoded(inp: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for param in fields:
            value = getattr(inp, param.name, UNSET)
            if value is UNSET:
                continue  # the service's default applies
            ref = refs.get(param.name)
            if ref is not None and value is not None:
                field = camel(param.name)
                value = (
                    [decode_ref(v, ref.model, field) for v in value]
                    if ref.many
                    else decode_ref(value, ref.model, field)
                )
            values[param.name] = value
        return values

    async def resolve(info: Info, input: Any) -> Any:  # noqa: A002 - GraphQL argument name
        ctx = info.context
        if frame_scope:

            async def in_scope(ctx: Any, session: Any) -> int | None:
                values = decoded(input)
                await _check_visible(ctx, session, refs, values)
                pk = await service(ctx, session, **values)
                if log:
                    await writes.log_activity(session, ctx, name, spec.name, pk)
                return pk

            return await run_workflow(info, rule, payload, in_scope, spec)

        async def own_scope() -> int | None:
            values = decoded(input)
            if refs:
                async with writes.mutation_scope(ctx, spec) as session:
                    await _check_visible(ctx, session, refs, values)
            return await service(ctx, **values)

        return await run_mutation(info, rule, payload, own_scope)

    resolve.__annotations__ = {"info": Info, "input": input_type, "return": payload}
    attr = "".join("_" + c.lower() if c.isupper() else c for c in name)
    field = strawberry.mutation(resolver=resolve, name=name, description=description or prose(service.__doc__))
    return strawberry.type(type(f"{title}Mutation", (), {attr: field}))


__all__ = ["Doc", "Ref", "RefTo", "workflow"]
