"""Every root mutation of the schema is called by some test (issue 19: `studentEnroll`'s success
path and `roleRevoke` never ran, and nothing said so).

A mutation counts as called when a test file (other than this one) names it as a call
(`name(`) or as a whole string (`"name"`), or when tests/test_entity_contract.py's generated
contract runs it (it builds `<entity>Create/Update/Deactivate` from the declarations, so the
names appear in no file). What is left must be listed in NOT_YET_CALLED below with the reason,
reviewed; the list may only shrink: a listed mutation that a test now calls, or that left the
schema, fails the test too, so the list stays true.
"""

from __future__ import annotations

import re
from pathlib import Path

from kit.declared import declaration
from kit.registry import spec_for_model
from models.entity import VERBS
from tests.test_entity_contract import FAMILY_ROLES, _lower_first, changed_field, writable_models

ROOT = Path(__file__).resolve().parent.parent

# Root mutations no test calls yet, each with why (reviewed; shrink it, never grow it lightly).
NOT_YET_CALLED: dict[str, str] = {
    "amenityFeedbackUpdate": "a resident edits their own rating: the contract leaves AmenityFeedback to "
    "tests/test_residents.py, which creates and reads feedback but never updates it",
    "amenityUsageUpdate": "the contract finds no generic field to change on AmenityUsage (changed_field is None); "
    "needs a hand-written update of a usage record",
}


def schema_mutations() -> list[str]:
    sdl = (ROOT / "schema.graphql").read_text()
    block = re.search(r"^type Mutation \{(.*?)^\}", sdl, re.S | re.M)
    assert block, "schema.graphql has no Mutation type"
    return re.findall(r"^  (\w+)[(:]", block.group(1), re.M)


_CALL = re.compile(r"\b(\w+)\s*\(|[\"'](\w+)[\"']")  # `name(` or a whole string "name"


def calls_in(text: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in _CALL.finditer(text)}


def called_in_test_files() -> set[str]:
    return calls_in(
        "\n".join(p.read_text() for p in sorted((ROOT / "tests").rglob("*.py")) if p.name != Path(__file__).name)
    )


def run_by_the_entity_contract() -> set[str]:
    """The mutations test_entity_contract runs, by the same choices it makes."""
    names = set()
    for model in writable_models():
        if model.__tenant_key__ not in FAMILY_ROLES:
            continue  # skipped there: not a tenant entity
        spec, write = spec_for_model(model), declaration(model).write
        verbs = write.verbs or (VERBS if "active" in spec.columns else VERBS[:2])
        base = _lower_first(spec.name)
        if "create" in verbs:
            names.add(f"{base}Create")
        if "update" in verbs and changed_field(model) is not None:
            names.add(f"{base}Update")
        if "deactivate" in verbs:
            names.add(f"{base}Deactivate")
    return names


def test_every_root_mutation_is_called_by_a_test() -> None:
    mutations = schema_mutations()
    assert len(mutations) > 150, "the Mutation type was not parsed"
    generated = run_by_the_entity_contract()
    assert generated <= set(mutations), generated - set(mutations)  # the contract's names are the schema's
    covered = called_in_test_files() | generated
    uncalled = sorted(set(mutations) - covered - set(NOT_YET_CALLED))
    assert uncalled == [], f"root mutations no test calls (test them, or list them with a reason): {uncalled}"
    stale = sorted(n for n in NOT_YET_CALLED if n in covered or n not in mutations)
    assert stale == [], f"NOT_YET_CALLED lists mutations now called or gone: {stale} (take them off the list)"


def test_the_scan_recognises_a_call_and_ignores_a_mere_mention() -> None:
    """The finder itself: a name in a query string counts, a name in prose does not."""
    found = calls_in('x = "mutation { roleRevoke(input: {}) }"  # see studentEnroll; f"{base}Create" and "userUpdate"')
    assert {"roleRevoke", "userUpdate"} <= found and not {"studentEnroll", "Create"} & found
