#!/usr/bin/env bash
# Mutation testing of the rule modules (README "Mutation testing"): cosmic-ray mutates each
# module of [tool.cosmic-ray.modules] in pyproject.toml and runs its fast tests per mutant.
#   bench/mutation.sh                 every module (a few minutes; periodic, not in CI)
#   bench/mutation.sh transitions     one module (names: pyproject.toml)
#   MUTATION_SAMPLE=60 bench/mutation.sh   at most 60 mutants per module, drawn with MUTATION_SEED (19)
#   bench/mutation.sh --planted       the planted bugs of bench/mutation.py (issue 19), each caught?
# The mutants are written into the source files one at a time and put back: commit first, and
# run nothing else in this work tree meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/cosmic-ray ] || [ pyproject.toml -nt .venv/.installed ]; then
  ./dev campus --help >/dev/null  # sets up .venv with the dev extra
fi
if ! git diff --quiet -- auth models resolvers kit; then
  echo "uncommitted changes in the source: commit them first (the mutants are written into the files)" >&2
  exit 1
fi
if [ "${1:-}" = "--planted" ]; then
  exec .venv/bin/python bench/mutation.py planted
fi
exec .venv/bin/python bench/mutation.py all "$@"
