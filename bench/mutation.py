"""A fork server that makes mutation testing affordable (bench/mutation.sh).

cosmic-ray writes each mutant into the source file and runs a test command; a fresh
`python -m pytest` spends 3-8 s importing SQLAlchemy and the models before a test of a few
milliseconds runs. This server imports them once; each test command then asks it to fork a
child that re-executes the mutated module (and those that copied names out of it) from its
source file (never a .pyc: a mutant can keep the file's size and second) and runs pytest
in-process on the pure tests of `tests/unit/`.

    python bench/mutation.py all [NAME...]       (bench/mutation.sh): every module of
        [tool.cosmic-ray.modules] in pyproject.toml (or the NAMEs): init, skip the lines marked
        `# pragma: no mutate` (each says why the mutant is equivalent), exec, summary
    python bench/mutation.py planted          (bench/mutation.sh --planted): plant the bugs of
        PLANTED one at a time and check that the fast tests catch each
    python bench/mutation.py serve SOCKET MODULE... -- TESTS...
    python bench/mutation.py run SOCKET --reload M[,M...] -- PYTEST ARGS...

`run` exits with pytest's status: 0 means the mutant survived. Sessions, configs and the
survivors' diffs go to bench/results/mutation/ (not committed).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys

CHILD_SECONDS = 60


def _reexec(name: str) -> None:
    module = importlib.import_module(name)
    with open(module.__file__, encoding="utf-8") as handle:
        code = compile(handle.read(), module.__file__, "exec")
    exec(code, module.__dict__)  # noqa: S102 - the point: the module as it is on disk now


def _child(request: dict) -> int:
    signal.alarm(CHILD_SECONDS)  # a mutant that loops forever dies here (counted as killed, like a timeout)
    sys.dont_write_bytecode = True
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    for name in request["reload"]:
        _reexec(name)
    import pytest

    # no plugin autoloading (half the time of a run); the tests need pytest-asyncio only
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return int(
        pytest.main(
            [*request["args"], "-q", "-x", "-p", "no:cacheprovider", "-p", "pytest_asyncio.plugin", "--noconftest"]
        )
    )


def serve(path: str, preload: list[str], warm: list[str]) -> None:
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.getcwd())
    import pytest  # noqa: F401 - loaded once for every child

    for name in preload:
        importlib.import_module(name)
    if warm:  # one collection in-process: pytest's plugins and the tests' imports load here, once
        devnull, saved = os.open(os.devnull, os.O_WRONLY), os.dup(1)
        os.dup2(devnull, 1)
        pytest.main(["--co", "-q", "-p", "no:cacheprovider", "--noconftest", *warm])
        os.dup2(saved, 1)
        for name in [n for n in sys.modules if n == "tests" or n.startswith("tests.")]:
            del sys.modules[name]  # the tests themselves are imported afresh by each child, after the mutant
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    print(f"mutation worker ready on {path}", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("r").readline())
            pid = os.fork()
            if pid == 0:
                server.close()
                try:
                    rc = _child(request)
                except BaseException:  # an import-time mutant: the tests cannot even load it
                    rc = 3
                os._exit(rc)
            _, status = os.waitpid(pid, 0)
            rc = os.waitstatus_to_exitcode(status)
            try:
                conn.sendall(f"{rc}\n".encode())
            except OSError:  # cosmic-ray gave up on this mutant (timeout) and killed the client
                pass


def run(path: str, reload: list[str], args: list[str]) -> int:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    client.sendall((json.dumps({"reload": reload, "args": args}) + "\n").encode())
    answer = client.makefile("r").readline().strip()
    return int(answer) if answer else 4


OUT = "bench/results/mutation"


def _modules() -> dict:
    import tomllib

    with open("pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["cosmic-ray"]


def _sample(session: str, size: int, seed: int) -> tuple[int, int]:
    """Keep `size` of the session's pending mutants, drawn with `seed` (the rest are not run and
    not counted); (kept, pending before)."""
    import random
    import sqlite3

    db = sqlite3.connect(session)
    pending = sorted(
        r[0] for r in db.execute("SELECT job_id FROM work_items WHERE job_id NOT IN (SELECT job_id FROM work_results)")
    )
    if len(pending) > size:
        drop = set(pending) - set(random.Random(seed).sample(pending, size))
        db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", [(j,) for j in drop])
        db.executemany("DELETE FROM work_items WHERE job_id = ?", [(j,) for j in drop])
        db.commit()
    db.close()
    return min(size, len(pending)), len(pending)


def run_all(names: list[str]) -> int:
    import subprocess
    import time

    conf = _modules()
    modules = conf["modules"]
    sample = int(os.environ.get("MUTATION_SAMPLE", "0"))  # 0: every mutant
    seed = int(os.environ.get("MUTATION_SEED", "19"))
    chosen = names or list(modules)
    unknown = [n for n in chosen if n not in modules]
    if unknown:
        raise SystemExit(f"unknown module(s) {unknown}; known: {', '.join(modules)}")
    os.makedirs(OUT, exist_ok=True)
    sock = os.path.abspath(f"{OUT}/worker.sock")
    preload = sorted({m for n in chosen for m in modules[n]["reload"]})
    warm = sorted({t for n in chosen for t in modules[n]["tests"]})
    bindir = os.path.dirname(sys.executable)
    worker = subprocess.Popen(
        [sys.executable, __file__, "serve", sock, *preload, "--", *warm], stdout=subprocess.PIPE, text=True
    )
    try:
        worker.stdout.readline()  # "ready"
        rows = []
        for name in chosen:
            spec = modules[name]
            cfg = f"{OUT}/{name}.toml"
            session = f"{OUT}/{name}.sqlite"
            command = " ".join(
                [sys.executable, __file__, "run", sock, "--reload", ",".join(spec["reload"]), "--", *spec["tests"]]
            )
            with open(cfg, "w", encoding="utf-8") as handle:
                handle.write(f"""[cosmic-ray]
module-path = {json.dumps(spec["paths"])}
timeout = {float(conf.get("timeout", 60))}
excluded-modules = []
test-command = {json.dumps(command)}

[cosmic-ray.distributor]
name = "local"

[cosmic-ray.filters.operators-filter]
exclude-operators = {json.dumps(conf.get("exclude-operators", []))}
""")
            if subprocess.run(command.split()).returncode != 0:  # unmutated, the tests must pass
                raise SystemExit(f"{name}: the tests fail without a mutant: {' '.join(spec['tests'])}")
            if os.path.exists(session):
                os.unlink(session)
            started = time.monotonic()
            subprocess.run([f"{bindir}/cosmic-ray", "init", cfg, session], check=True)
            subprocess.run([f"{bindir}/cr-filter-pragma", session], check=True)
            subprocess.run([f"{bindir}/cr-filter-operators", session, cfg], check=True)
            if sample:
                kept, pending = _sample(session, sample, seed)
                print(f"{name}: {kept} of {pending} mutants drawn (MUTATION_SEED={seed})", flush=True)
            subprocess.run([f"{bindir}/cosmic-ray", "exec", cfg, session], check=True)
            rows.append((name, *_summary(session, f"{OUT}/{name}.survivors.txt"), time.monotonic() - started))
    finally:
        worker.terminate()
        worker.wait()
    print(f"\n{'module':<16} {'mutants':>7} {'killed':>6} {'survived':>8} {'equivalent':>10} {'score':>6}  seconds")
    for name, total, killed, survived, skipped, seconds in rows:
        score = 100.0 * killed / (killed + survived) if killed + survived else 100.0
        print(f"{name:<16} {total:>7} {killed:>6} {survived:>8} {skipped:>10} {score:>5.1f}%  {seconds:.0f}")
    if sample:
        print(f"(a sample of at most {sample} mutants per module, MUTATION_SEED={seed}; equivalent: all of them)")
    print(f"\nsurvivors (diffs): {OUT}/<module>.survivors.txt")
    return 0


def _summary(session: str, survivors_file: str) -> tuple[int, int, int, int]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    killed = survived = skipped = 0
    with use_db(session, WorkDB.Mode.open) as db, open(survivors_file, "w", encoding="utf-8") as out:
        total = db.num_work_items
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                skipped += 1
            elif result.worker_outcome == WorkerOutcome.NORMAL and result.test_outcome == TestOutcome.SURVIVED:
                survived += 1
                for mutation in item.mutations:
                    out.write(
                        f"{mutation.module_path}:{mutation.start_pos[0]} {mutation.operator_name}"
                        f" #{mutation.occurrence}\n"
                    )
                out.write((result.diff or "") + "\n")
            else:
                killed += 1
    return total, killed, survived, skipped


PLANTED = [  # (bug, file, original text, planted text, the fast test that must catch it)
    (
        "APPROVED -> CHECKED_IN allowed",
        "resolvers/booking/transitions.py",
        "S.APPROVED: frozenset({S.CONFIRMED, S.CANCELLED, S.NO_SHOW}),",
        "S.APPROVED: frozenset({S.CONFIRMED, S.CANCELLED, S.NO_SHOW, S.CHECKED_IN}),",
        "tests/unit/test_transitions.py",
    ),
    (
        "dayClosingOverride open to PLATFORM_ADMIN",
        "models/fees/access.py",
        'OVERRIDERS = roles("SUPER_ADMIN")',
        'OVERRIDERS = roles("SUPER_ADMIN", "PLATFORM_ADMIN")',
        "tests/unit/test_access_rules.py",
    ),
    (
        "back-to-back stays overlap (bed check)",
        "resolvers/hostel/availability.py",
        "return not any(s < end and e > start for s, e, _ in self.bed_holds.get(bed_id, ()))",
        "return not any(s <= end and e >= start for s, e, _ in self.bed_holds.get(bed_id, ()))",
        "tests/unit/test_availability.py",
    ),
    (
        "bed check deleted",
        "resolvers/hostel/availability.py",
        "return not any(s < end and e > start for s, e, _ in self.bed_holds.get(bed_id, ()))",
        "return True",
        "tests/unit/test_availability.py",
    ),
    (
        "a closed day's last day accepted (< instead of <=)",
        "resolvers/finance/closing.py",
        "if through is None or day > through:",
        "if through is None or day >= through:",
        "tests/unit/test_day_closing.py",
    ),
    (
        "finance reports open to PLATFORM_ADMIN",
        "auth/permissions.py",
        'FINANCE_REPORTERS = ("SUPER_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT")',
        'FINANCE_REPORTERS = ("SUPER_ADMIN", "PLATFORM_ADMIN", "SCHOOL_ADMIN", "ACCOUNTANT")',
        "tests/unit/test_permissions.py",
    ),
    (
        "sponsor share not subtracted from pending",
        "resolvers/fees/formula.py",
        'TERMS_SUBTRACTED = ("total_discount_amount", "sponsor_covered_amount", ',
        'TERMS_SUBTRACTED = ("total_discount_amount", ',
        "tests/unit/test_money.py",
    ),
    (
        "teacher sees every class record",
        "models/school/access.py",
        'SCHOOL_WIDE_READERS = frozenset({*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT"})',
        'SCHOOL_WIDE_READERS = frozenset({*PLATFORM, "SCHOOL_ADMIN", "ACCOUNTANT", "TEACHER"})',
        "tests/unit/test_access_rules.py",
    ),
]


def planted() -> int:
    """Plant each bug of PLANTED in turn (issue 19's list and more), run its fast test, put the
    file back; 1 when one of them survives."""
    import subprocess

    missed = 0
    for name, path, old, new, test in PLANTED:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        if old not in source:
            raise SystemExit(f"{path} changed: cannot plant {name!r}")
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source.replace(old, new, 1))
            rc = subprocess.run(
                [sys.executable, "-m", "pytest", "--noconftest", "-q", "-x", "-p", "no:cacheprovider", test],
                capture_output=True,
                env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
            ).returncode
        finally:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(source)
        missed += rc == 0
        print(f"{'caught' if rc else 'MISSED'}  {name}  ({test})", flush=True)
    return 1 if missed else 0


def main(argv: list[str]) -> int:
    if argv[0] == "planted":
        return planted()
    if argv[0] == "all":
        return run_all(argv[1:])
    if argv[0] == "serve":
        args = argv[2:]
        sep = args.index("--") if "--" in args else len(args)
        serve(argv[1], args[:sep], args[sep + 1 :])
        return 0
    if argv[0] == "run":
        sep = argv.index("--")
        opts = argv[1:sep]
        path = opts[0]
        reload = opts[opts.index("--reload") + 1].split(",") if "--reload" in opts else []
        rc = run(path, [m for m in reload if m], argv[sep + 1 :])
        return 0 if rc == 0 else 1
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
