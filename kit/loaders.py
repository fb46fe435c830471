"""Per-request dataloaders for what look-ahead cannot see (payloads, interface fields, ...).

Named after DESIGN.md: `<Entity>By<Key>Loader` and `<Entities>By<Key>Loader`. A loader is
created lazily per request and per selection (the field node), so its one batched
statement still fetches exactly the selected columns, joins and nested connections.
Loaders are cleared after every write.
"""

from __future__ import annotations

from typing import Any

from aiodataloader import DataLoader

from kit import planner
from kit.registry import EntitySpec, RelSpec


class _OneLoader(DataLoader):
    def __init__(self, ctx: Any, plan: planner.NodePlan, key_attr: str) -> None:
        super().__init__()
        self.ctx, self.plan, self.key_attr = ctx, plan, key_attr

    async def batch_load_fn(self, keys: list[Any]) -> list[Any]:
        found = await planner.fetch_by_keys(self.ctx, self.plan, self.key_attr, keys)
        return [found.get(k) for k in keys]


class _ManyLoader(DataLoader):
    def __init__(self, ctx: Any, rel: RelSpec, plan: planner.ConnPlan) -> None:
        super().__init__()
        self.ctx, self.rel, self.plan = ctx, rel, plan

    async def batch_load_fn(self, keys: list[Any]) -> list[Any]:
        pages = await planner.fetch_many_batch(self.ctx, self.rel, self.plan, list(keys))
        return [pages[k] for k in keys]


class LoaderRegistry:
    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self._loaders: dict[Any, DataLoader] = {}

    def by_key(self, spec: EntitySpec, key_attr: str, info: Any) -> DataLoader:
        """`<Entity>By<Key>Loader` for the selection of the field being resolved."""
        cache_key = (spec.name, key_attr, id(info.field_nodes[0]))
        loader = self._loaders.get(cache_key)
        if loader is None:
            plan = planner.plan_node(info, spec, [n.selection_set for n in info.field_nodes])
            loader = self._loaders[cache_key] = type(
                f"{spec.name}By{key_attr.title().replace('_', '')}Loader", (_OneLoader,), {}
            )(self.ctx, plan, key_attr)
        return loader

    def many(self, rel: RelSpec, info: Any) -> DataLoader:
        """`<Entities>By<ForeignKey>Loader`: one connection page per parent."""
        cache_key = (rel.name, id(info.field_nodes[0]))
        loader = self._loaders.get(cache_key)
        if loader is None:
            target = rel.target
            field_def = info.parent_type.fields[info.field_name]
            plan = planner.plan_connection(info, target, info.field_nodes, field_def)
            name = f"{target.name}sBy{rel.remote_attr.title().replace('_', '')}Loader"
            loader = self._loaders[cache_key] = type(name, (_ManyLoader,), {})(self.ctx, rel, plan)
        return loader

    def named(self, key: Any, make: Any) -> DataLoader:
        """A loader of a computed field (one batched statement for every parent of the
        request): `make()` builds it the first time `key` is asked for."""
        loader = self._loaders.get(("named", key))
        if loader is None:
            loader = self._loaders[("named", key)] = make()
        return loader

    def clear(self) -> None:
        self._loaders.clear()
