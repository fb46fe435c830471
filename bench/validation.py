"""Validation time of hostile documents (no database needed):

    .venv/bin/python bench/validation.py            # fragments each spreading the next twice; one field repeated

Prints, per document, the seconds graphql-core's validation takes with the gateway's rules
(gateway/limits.py, the overlapping-fields comparison budget included) and the fragment
visits / field comparisons counted. Run it on an older checkout (PYTHONPATH=<tree>) to compare.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphql import parse, specified_rules, validate  # noqa: E402

from gateway import limits  # noqa: E402
from kit.settings import Settings  # noqa: E402
from schema.root import build_schema  # noqa: E402


def doubling(levels: int, leaf: str = "hostels(first: 1) { totalCount }") -> str:
    return " ".join(
        ["query { ...F0 }"]
        + [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
        + [f"fragment F{levels} on Query {{ {leaf} }}"]
    )


def main() -> None:
    settings = Settings()
    schema = build_schema()._schema
    rules = [*specified_rules, *limits.make_rules(settings)]
    budget = getattr(limits, "comparison_budget", None)
    documents = [(f"doubling fragments x{n}", doubling(n)) for n in (12, 14, 16, 18, 20)]
    documents.append(("one field x300", "{" + " hostels { totalCount }" * 300 + "}"))
    for name, text in documents:
        work = dict(getattr(limits, "WORK", {}))
        document = parse(text, max_lexical_tokens=settings.max_tokens)
        started = time.perf_counter()
        try:
            if budget is not None:
                with budget(settings.max_field_comparisons):
                    errors = validate(schema, document, rules)
            else:
                errors = validate(schema, document, rules)
            outcome = errors[0].message[:60] if errors else "valid"
        except Exception as exc:  # noqa: BLE001 - TooComplex
            outcome = type(exc).__name__
        seconds = time.perf_counter() - started
        counted = {k: v - work.get(k, 0) for k, v in getattr(limits, "WORK", {}).items()}
        print(f"{name:26} {len(text):5} chars  {seconds:7.3f} s  {counted}  {outcome}")


if __name__ == "__main__":
    main()
