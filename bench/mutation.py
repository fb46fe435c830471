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

    return int(pytest.main([*request["args"], "-q", "-x", "-p", "no:cacheprovider", "--noconftest"]))


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


def run_all(names: list[str]) -> int:
    import subprocess
    import time

    conf = _modules()
    modules = conf["modules"]
    chosen = names or list(modules)
    unknown = [n for n in chosen if n not in modules]
    if unknown:
        raise SystemExit(f"unknown module(s) {unknown}; known: {', '.join(modules)}")
    os.makedirs(OUT, exist_ok=True)
    sock = os.path.abspath(f"{OUT}/worker.sock")
    preload = sorted({m for n in chosen for m in modules[n]["reload"]})
    warm = sorted({t for n in chosen for t in modules[n]["tests"]})
    bindir = os.path.dirname(sys.executable)
    worker = subprocess.Popen([sys.executable, __file__, "serve", sock, *preload, "--", *warm], stdout=subprocess.PIPE, text=True)
    try:
        worker.stdout.readline()  # "ready"
        rows = []
        for name in chosen:
            spec = modules[name]
            cfg = f"{OUT}/{name}.toml"
            session = f"{OUT}/{name}.sqlite"
            command = " ".join([sys.executable, __file__, "run", sock, "--reload", ",".join(spec["reload"]), "--",
                                *spec["tests"]])
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
            subprocess.run([f"{bindir}/cosmic-ray", "exec", cfg, session], check=True)
            rows.append((name, *_summary(session, f"{OUT}/{name}.survivors.txt"), time.monotonic() - started))
    finally:
        worker.terminate()
        worker.wait()
    print(f"\n{'module':<16} {'mutants':>7} {'killed':>6} {'survived':>8} {'equivalent':>10} {'score':>6}  seconds")
    for name, total, killed, survived, skipped, seconds in rows:
        score = 100.0 * killed / (killed + survived) if killed + survived else 100.0
        print(f"{name:<16} {total:>7} {killed:>6} {survived:>8} {skipped:>10} {score:>5.1f}%  {seconds:.0f}")
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
                    out.write(f"{mutation.module_path}:{mutation.start_pos[0]} {mutation.operator_name}"
                              f" #{mutation.occurrence}\n")
                out.write((result.diff or "") + "\n")
            else:
                killed += 1
    return total, killed, survived, skipped


def main(argv: list[str]) -> int:
    if argv[0] == "all":
        return run_all(argv[1:])
    if argv[0] == "serve":
        args = argv[2:]
        sep = args.index("--") if "--" in args else len(args)
        serve(argv[1], args[:sep], args[sep + 1:])
        return 0
    if argv[0] == "run":
        sep = argv.index("--")
        opts = argv[1:sep]
        path = opts[0]
        reload = opts[opts.index("--reload") + 1].split(",") if "--reload" in opts else []
        rc = run(path, [m for m in reload if m], argv[sep + 1:])
        return 0 if rc == 0 else 1
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
