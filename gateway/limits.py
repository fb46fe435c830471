"""Operation limits as validation rules, run once per document (the result is cached).

- depth: nesting of fields (introspection fields excluded),
- aliases: aliased fields in the whole document,
- cost: every object field costs its declared cost (default 1, scalars 0), multiplied by the
  page size of each enclosing list (`first`/`last`, the cap when it comes from a variable).
Token counts are limited by the parser itself (settings.max_tokens).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, get_named_type
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode
from graphql.validation import ValidationContext, ValidationRule

from gateway.settings import Settings

# "Type.field" -> cost, declared next to fields that are expensive (reports, exports).
FIELD_COSTS: dict[str, int] = {}


def declare_cost(path: str, cost: int) -> None:
    FIELD_COSTS[path] = cost


def _limited(code: str, message: str, node: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


def make_rules(settings: Settings) -> list[type[ValidationRule]]:
    class MaxDepthRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _depth(self.context, node.selection_set, 0, set())
            if depth > settings.max_depth:
                self.report_error(_limited("DEPTH_LIMIT", f"The query is {depth} levels deep; the limit is {settings.max_depth}.", node))

    class MaxAliasesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1
                if self.count == settings.max_aliases + 1:
                    self.report_error(_limited("ALIAS_LIMIT", f"The query uses more than {settings.max_aliases} aliases.", node))

    class MaxCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            schema = self.context.schema
            root = schema.get_root_type(node.operation) if hasattr(schema, "get_root_type") else (
                schema.query_type if node.operation.value == "query" else schema.mutation_type)
            if root is None:
                return
            cost = _cost(self.context, settings, root, node.selection_set, set())
            if cost > settings.max_cost:
                self.report_error(_limited("COST_LIMIT", f"The query would cost {cost}; the limit is {settings.max_cost}. "
                                           "Ask for smaller pages or fewer nested lists.", node))

    return [MaxDepthRule, MaxAliasesRule, MaxCostRule]


def _depth(context: ValidationContext, selection_set: Any, level: int, seen: set[str]) -> int:
    if selection_set is None:
        return level
    deepest = level
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value.startswith("__"):
                continue
            deepest = max(deepest, _depth(context, sel.selection_set, level + 1, seen))
        elif isinstance(sel, InlineFragmentNode):
            deepest = max(deepest, _depth(context, sel.selection_set, level, seen))
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
            frag = context.get_fragment(sel.name.value)
            if frag is not None:
                deepest = max(deepest, _depth(context, frag.selection_set, level, seen | {sel.name.value}))
    return deepest


def _page_size(settings: Settings, node: FieldNode) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value in ("first", "last"):
            value = arg.value
            if value.kind == "int_value":
                return max(0, int(value.value))
            return settings.max_page_size  # a variable: assume the largest page
    return None


def _cost(context: ValidationContext, settings: Settings, parent: Any, selection_set: Any, seen: set[str]) -> int:
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
            children = _cost(context, settings, named, sel.selection_set, seen)
            # A connection multiplies what is selected under it by its page size; its
            # edges/nodes lists are that same page, so they do not multiply again.
            multiplier = 1
            if named.name.endswith("Connection"):
                size = _page_size(settings, sel)
                multiplier = settings.default_page_size if size is None else size
            total += own + multiplier * children
        elif isinstance(sel, InlineFragmentNode):
            cond = context.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            total += _cost(context, settings, cond, sel.selection_set, seen)
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
            frag = context.get_fragment(sel.name.value)
            if frag is not None:
                cond = context.schema.get_type(frag.type_condition.name.value)
                total += _cost(context, settings, cond, frag.selection_set, seen | {sel.name.value})
    return total

