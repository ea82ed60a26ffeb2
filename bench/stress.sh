#!/usr/bin/env bash
# jcstress over the engine's own cross-thread hand-offs (bench/target/stress.jar).
#
#   bench/stress.sh [--quick] [more jcstress options...]
#
#   --quick   CI form: jcstress's "sanity" preset (280 short runs): 6 to 15 minutes here, depending on load
#   (none)    jcstress's "quick" preset for the state-machine tests, then the engine close tests with small
#             strides (each case starts a tiny engine with two threads): 20 minutes or more
# jcstress runs at most as many actors as there are CPUs: every test here has two actors (2-vCPU machines).
#
# Results and jcstress's HTML report go to bench/target/stress-<time>/; the script exits non-zero when a test
# shows a forbidden outcome or errors.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
JAR="$HERE/target/stress.jar"

QUICK=0
if [[ "${1:-}" == "--quick" ]]; then
    QUICK=1
    shift
fi

if [[ ! -f "$JAR" ]]; then
    (cd "$REPO" && mvn -B -q package -pl engine,bench -DskipTests)
fi

OUT="$HERE/target/stress-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
cd "$OUT"

status=0
run() {
    local name="$1"
    shift
    echo "== $name: java -jar stress.jar $*"
    java -jar "$JAR" -r "$OUT/$name" "$@" > "$OUT/$name.log" 2>&1 || status=1
    grep -E "^\s*\[(OK|FAILED|ERROR)\]|RUN RESULTS|Failed tests|passed|ERROR" "$OUT/$name.log" | tail -15 || true
    if grep -qE "FAILED|ERROR" "$OUT/$name.log"; then
        status=1
    fi
}

if [[ "$QUICK" == 1 ]]; then
    run all -t 'TrackerStress|RetryEntryStress|WriteEngineCloseStress' -m sanity "$@"
else
    run state -t 'TrackerStress|RetryEntryStress' -m quick "$@"
    run close -t 'WriteEngineCloseStress' -m quick -strideCount 1 -strideSize 64 "$@"
fi

echo "stress.sh: logs and reports in $OUT"
exit $status
