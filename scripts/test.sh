#!/usr/bin/env bash
# Runs Skiff's test suites (after scripts/setup.sh has prepared the machine; `npm test` does both):
#   1. unit and integration tests: every *.test.js under the dist dirs of packages/*, services/*, cli and
#      bench (integration tests, *.integration.test.js, use a real etcd and Docker);
#   2. the end-to-end suite (e2e/dist), one file at a time, when it exists.
# Every suite runs even if an earlier one failed; the exit status is non-zero if any failed.
#
# Usage: bash scripts/test.sh [unit]    (unit: only the unit tests: no integration, no e2e)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-all}"
case "$mode" in
  all | unit) ;;
  *)
    echo "test.sh: unknown argument: $mode (usage: test.sh [unit])" >&2
    exit 2
    ;;
esac

# Build first (a no-op when up to date) so the tests run the current sources.
node_modules/.bin/tsc --build

# House rule: only the apiserver imports etcd3, only the kubelet dockerode.
node scripts/check-imports.mjs

# Test files compiled from a source that still exists (tsc never deletes the output of a removed
# source, so a stale dist/x.test.js would otherwise keep running).
test_files() {
  local pattern="$1" exclude="$2" dir f src
  local -a filter=(-name "$pattern")
  [[ -n "$exclude" ]] && filter+=(! -name "$exclude")
  shift 2
  for dir in "$@"; do
    [[ -d "$dir/dist" ]] || continue
    while IFS= read -r -d '' f; do
      src="$dir/src/${f#"$dir/dist/"}"
      [[ -f "${src%.js}.ts" ]] && echo "$f"
    done < <(find "$dir/dist" "${filter[@]}" -print0 | LC_ALL=C sort -z)
  done
}

failed=()
run_suite() {
  local name="$1"
  shift
  echo "test.sh: === $name ==="
  if node --test --test-reporter=spec "$@"; then
    echo "test.sh: $name passed"
  else
    echo "test.sh: $name FAILED" >&2
    failed+=("$name")
  fi
}

pkg_dirs=(packages/* services/* cli bench)
if [[ "$mode" == unit ]]; then
  mapfile -t files < <(test_files '*.test.js' '*.integration.test.js' "${pkg_dirs[@]}")
  suite="unit tests"
else
  mapfile -t files < <(test_files '*.test.js' '' "${pkg_dirs[@]}")
  suite="unit and integration tests"
fi
if ((${#files[@]} > 0)); then
  run_suite "$suite (${#files[@]} files)" "${files[@]}"
else
  echo "test.sh: no $suite found"
fi

if [[ "$mode" == all ]]; then
  mapfile -t e2e_files < <(test_files '*.test.js' '' e2e)
  if ((${#e2e_files[@]} > 0)); then
    run_suite "end-to-end tests (${#e2e_files[@]} files)" --test-concurrency=1 "${e2e_files[@]}"
  else
    echo "test.sh: no end-to-end tests found (e2e/dist)"
  fi
fi

if ((${#failed[@]} > 0)); then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all suites passed"
