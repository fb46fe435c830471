"""How long the gateway takes to start: fresh interpreters, median of N runs.

    .venv/bin/python bench/import_time.py            # 5 runs of each
    .venv/bin/python bench/import_time.py --runs 9

Measured, each in a new interpreter (so nothing is cached but the bytecode):
- `import gateway.app`: what every `campus serve`, test worker and server process pays first;
- `import gateway.app` + `build_schema()`: what a process pays before it can answer;
- `campus --help`: the console script's start.

Prints wall-clock and CPU (user + system) seconds. On a shared machine the CPU figure is the
steadier one: the wall clock also counts the time other processes held the cores."""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "import gateway.app": [sys.executable, "-c", "import gateway.app"],
    "import + build_schema()": [
        sys.executable,
        "-c",
        "import gateway.app; from schema.root import build_schema; build_schema()",
    ],
    "campus --help": [shutil.which("campus", path=str(Path(sys.executable).parent)) or "campus", "--help"],
}


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one run of `cmd` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each case (median reported)")
    parser.add_argument("--only", choices=list(CASES), help="one case only")
    args = parser.parse_args()
    # one run first, so that every measured run finds the bytecode already compiled
    subprocess.run(CASES["import gateway.app"], cwd=ROOT, check=True)
    print("| case | wall median (s) | CPU median (s) | runs |\n|---|---|---|---|")
    for name, cmd in CASES.items():
        if args.only and name != args.only:
            continue
        results = [run_once(cmd) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {args.runs} |", flush=True)


if __name__ == "__main__":
    main()
