#!/usr/bin/env bash
# The whole comparison in one interleaved run, then bench/RESULTS.md and bench/results-us-per-file.png.
#
#   bench/run.sh [--quick] [--keep-files] [--no-build]
#
#   (default)     every case of issue 4, under 20 minutes on a 2-vCPU machine
#   --quick       a subset (3 file counts, 64-byte streaming, 1 M msg/s latency), under 3 minutes
#   --keep-files  do not delete the benchmark files afterwards (a full run leaves about 27 GB and 6 M files:
#                 two kept runs filled this machine's disk)
#   --no-build    use bench/target/benchmarks.jar as it is
#
# Environment: RINGWRITER_BENCH_DIR (where the files go; default ${TMPDIR:-/tmp}/ringwriter-bench).
#
# Interleaving: the many-files cases run file count by file count, the C limit (shared/limits/fsbench.c for
# created files, bench/limits/existing.c for the Go package's workload on existing files) then ringwriter and every
# baseline for that count, so compared figures are minutes apart at most; streaming runs size by size with its floor
# and peers beside it. Nothing is deleted while the run goes (see shared/BENCHMARKING.md,
# "Traps"); the run's files are deleted at the end, after the report.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
LIMITS="$REPO/../shared/limits"

QUICK=0
KEEP=0
BUILD=1
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        --keep-files) KEEP=1 ;;
        --no-build) BUILD=0 ;;
        *) echo "run.sh: unknown argument $arg" >&2; sed -n '2,10p' "$0"; exit 2 ;;
    esac
done

RUN_ID="$(date +%Y%m%d-%H%M%S)"
OUT="$HERE/target/run-$RUN_ID"
DATA="${RINGWRITER_BENCH_DIR:-${TMPDIR:-/tmp}/ringwriter-bench}/run-$RUN_ID"
mkdir -p "$OUT" "$DATA"
# Spread the run's directories over the disk's block groups (ext4's Orlov allocator): fewer recently freed inodes.
chattr +T "$DATA" 2>/dev/null || true
START=$(date +%s)

log() { echo "[$(date +%H:%M:%S) +$(( $(date +%s) - START ))s] $*"; }

if [[ "$BUILD" == 1 ]]; then
    # One reactor build: the bench jar gets this checkout's engine, not whatever another checkout last installed
    # into the shared ~/.m2.
    log "building engine and bench"
    (cd "$REPO" && mvn -B -q package -pl engine,bench -DskipTests)
fi
[[ -f "$JAR" ]] || { echo "run.sh: $JAR missing" >&2; exit 1; }

# ------------------------------------------------------------------------------------------------------------------
# Machine
# ------------------------------------------------------------------------------------------------------------------
{
    echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode:      $([[ $QUICK == 1 ]] && echo quick || echo full)"
    echo "nproc:     $(nproc)"
    echo "cpu:       $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "kernel:    $(uname -sr)"
    echo "memory:    $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "fs:        $(df -T "$DATA" | awk 'NR==2 {print $2 " on " $1}'), $(df -i "$DATA" | awk 'NR==2 {print $4}') inodes free"
    echo "java:      $(java -version 2>&1 | head -1)"
    echo "commit:    $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (with local changes)')"
    echo "engine:    $(git -C "$REPO" diff --quiet -- engine/src/main 2>/dev/null && echo "as committed" || echo "with uncommitted changes: $(git -C "$REPO" diff --stat -- engine/src/main | tail -1)")"
    echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"
    echo "run dir:   $OUT"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"
# A full run creates about 6 M files. On a file system with few free inodes left, ext4 searches its block groups for
# every new inode: creates slow down (a large batch in one directory most of all), then fail with ENOSPC.
INODES_FREE=$(df -i "$DATA" | awk 'NR==2 {print $4}')
if [[ "$INODES_FREE" =~ ^[0-9]+$ ]] && (( INODES_FREE < 8000000 )); then
    log "WARNING: only $INODES_FREE inodes free under $DATA: creates will be slow or fail; delete old benchmark files" \
        "(${RINGWRITER_BENCH_DIR:-${TMPDIR:-/tmp}/ringwriter-bench}) and let the file system settle first"
fi
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
if awk "BEGIN {exit !($LOAD1 > 1.0)}"; then
    log "WARNING: load average $LOAD1 > 1.0: other work is running; figures will be noisy (ratios still side by side)"
fi

# ------------------------------------------------------------------------------------------------------------------
# The C limit
# ------------------------------------------------------------------------------------------------------------------
FSBENCH=""
if [[ -f "$LIMITS/fsbench.c" ]] && command -v gcc >/dev/null; then
    gcc -O2 -pthread -o "$HERE/target/fsbench" "$LIMITS/fsbench.c"
    FSBENCH="$HERE/target/fsbench"
    # Touch memory first: pages the host took back cost ~10 us each on first touch (shared/BENCHMARKING.md).
    "$FSBENCH" prewarm "$([[ $QUICK == 1 ]] && echo 512 || echo 2048)" >> "$OUT/fsbench.txt" || true
else
    log "C limit skipped: $LIMITS/fsbench.c or gcc not found (the report leaves the C columns empty)"
fi

c_create() {
    local n="$1" t="$2" reps="$3"
    [[ -n "$FSBENCH" ]] || return 0
    local dir="$DATA/c/create-$n-$t-$RANDOM"
    mkdir -p "$dir"
    "$FSBENCH" create "$dir" "$n" "$t" 64 "$reps" >> "$OUT/fsbench.txt"
}

# The Go package's workload (files exist; open, write, close) in C: bench/limits/existing.c, same output form.
EXISTING=""
if [[ -f "$HERE/limits/existing.c" ]] && command -v gcc >/dev/null; then
    gcc -O2 -pthread -o "$HERE/target/existing" "$HERE/limits/existing.c"
    EXISTING="$HERE/target/existing"
fi

c_existing() {
    local n="$1" t="$2" reps="$3"
    [[ -n "$EXISTING" ]] || return 0
    mkdir -p "$DATA/c"
    "$EXISTING" "$DATA/c/existing-$n-$t-$RANDOM" "$n" "$t" "$reps" >> "$OUT/fsbench.txt"
}

c_stream() {
    [[ -n "$FSBENCH" ]] || return 0
    local dir="$DATA/c/stream-$RANDOM"
    mkdir -p "$dir"
    "$FSBENCH" stream "$dir" 1 1048576 "$1" batch >> "$OUT/fsbench.txt"
}

# ------------------------------------------------------------------------------------------------------------------
# JMH
# ------------------------------------------------------------------------------------------------------------------
JVM_ARGS="--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -Dringwriter.bench.dir=$DATA -Dringwriter.bench.out=$OUT"
STEP=0

jmh() {
    local name="$1"
    shift
    STEP=$((STEP + 1))
    local id
    id="$(printf '%03d' "$STEP")-$name"
    java -jar "$JAR" "$@" -jvmArgsAppend "$JVM_ARGS" -prof gc -rf json -rff "$OUT/jmh-$id.json" \
        > "$OUT/$id.log" 2>&1 || true
    if grep -q "<failure>" "$OUT/$id.log"; then
        log "FAILURE in $id: see $OUT/$id.log"
        { echo "== $id"; grep -A3 "<failure>" "$OUT/$id.log"; } >> "$OUT/failures.txt"
    fi
    grep -E "^[A-Za-z0-9]+Benchmark\.[A-Za-z]+ " "$OUT/$id.log" | sed "s/^/    /" || true
}

MANY_REGEX='(ManyFilesBenchmark|FilesWriteBaselineBenchmark|CreateTempFileBaselineBenchmark|FileChannelLoopBenchmark)\.'

if [[ "$QUICK" == 1 ]]; then
    MANY_NS="100 1000 5000"
    MANY_ITER=(-wi 1 -w 200ms -i 2 -r 300ms)
    C_REPS=2
    SIZES="64"
    STREAM_ITER=(-wi 1 -i 2)
    STREAM_CASES=(-p files=1 -p durability=NONE)
else
    MANY_NS="2 100 200 300 400 500 600 700 800 900 1000 1500 3000 5000"
    MANY_ITER=(-wi 1 -w 300ms -i 4 -r 300ms)
    C_REPS=3
    SIZES="64 256 1024"
    STREAM_ITER=(-wi 2 -i 4)
    STREAM_CASES=()
fi

log "many files: N in $MANY_NS (C limit, ringwriter existing + end to end, baselines)"
for n in $MANY_NS; do
    c_create "$n" 1 "$C_REPS"
    c_create "$n" 2 "$C_REPS"
    c_existing "$n" 2 "$C_REPS"
    retries="on"
    if [[ "$QUICK" == 0 && "$n" -ge 100 && "$n" -le 1000 ]]; then
        retries="on,off"
    fi
    log "  N=$n"
    jmh "many-$n" "$MANY_REGEX" -p files="$n" -p retries="$retries" "${MANY_ITER[@]}"
done

log "retries on against off, paired in one trial (and an A/A control)"
if [[ "$QUICK" == 1 ]]; then
    jmh "retry-overhead" 'RetryOverheadBenchmark\.' -p files=100 -p variant=existing -p offPolicy=none -wi 1 -i 2
else
    jmh "retry-overhead" 'RetryOverheadBenchmark\.' -p files=100 -p offPolicy=none,default -wi 1 -i 8 -r 1s
fi

if [[ "$QUICK" == 0 ]]; then
    # One batch of 100,000 against 100 batches of 1,000, paired in one trial (LargeBatchBenchmark), and the C limit
    # on 100,000 files in one directory beside 1,000: what a large directory costs the kernel itself.
    log "100,000 files in one batch against 100 batches of 1,000 (end to end, paired)"
    c_create 100000 2 1
    c_create 1000 2 "$C_REPS"
    jmh "large-batch" 'LargeBatchBenchmark\.pair'
fi

log "streaming: sizes $SIZES (floor, ringwriter, hand-rolled Disruptor writer, Log4j2, Chronicle Queue)"
c_stream 3
for size in $SIZES; do
    log "  size=$size"
    jmh "floor-$size" 'FileChannelFloorBenchmark\.' -p size="$size" "${STREAM_ITER[@]}"
    jmh "stream-$size" 'StreamingBenchmark\.(oneProducer|twoProducers)' -p size="$size" "${STREAM_CASES[@]}" \
        "${STREAM_ITER[@]}"
    # Tuned for one file: one worker (a second would only pass over the events), slots the size of a message, and
    # the single-producer ring for the one-thread case.
    jmh "stream-$size-tuned" 'StreamingBenchmark\.(singleProducer|twoProducers)' -p size="$size" -p files=1 \
        -p durability=NONE -p workers=1 -p slotSize="$size" "${STREAM_ITER[@]}"
    # The Disruptor alone (a hand-rolled single-file writer): the ceiling of a ring hand-off per message here.
    jmh "disruptor-$size" 'DisruptorWriter(TwoProducers)?Benchmark\.' -p size="$size" "${STREAM_ITER[@]}"
    jmh "log4j-$size" 'Log4jAsyncBenchmark\.' -p size="$size" "${STREAM_ITER[@]}"
    if [[ "$QUICK" == 1 ]]; then
        jmh "chronicle-$size" 'ChronicleQueueBenchmark\.oneProducer' -p size="$size" "${STREAM_ITER[@]}"
    else
        jmh "chronicle-$size" 'ChronicleQueueBenchmark\.' -p size="$size" "${STREAM_ITER[@]}"
    fi
    jmh "floor-$size-again" 'FileChannelFloorBenchmark\.' -p size="$size" "${STREAM_ITER[@]}"
done
c_stream 3

log "latency at fixed offered rates (defaults, one worker, and the pacing loop with no write)"
# With one file a second worker only passes over the events while the producer needs a CPU: workers=1 is the engine
# tuned for it. pacingOnly is the same loop with no engine: the machine's own corrected latency at that rate.
if [[ "$QUICK" == 1 ]]; then
    LAT_RATES=(-p rate=1000000)
    LAT_ITER=(-wi 1 -i 2)
    jmh "latency" 'LatencyBenchmark\.offeredLoad' "${LAT_RATES[@]}" -p durability=NONE "${LAT_ITER[@]}"
else
    LAT_RATES=()
    LAT_ITER=(-wi 1 -i 3)
    jmh "latency" 'LatencyBenchmark\.offeredLoad' "${LAT_ITER[@]}"
fi
jmh "latency-w1" 'LatencyBenchmark\.offeredLoad' "${LAT_RATES[@]}" -p durability=NONE -p workers=1 "${LAT_ITER[@]}"
jmh "latency-pacing" 'LatencyBenchmark\.pacingOnly' "${LAT_RATES[@]}" -p durability=NONE "${LAT_ITER[@]}"

log "ring hand-off"
if [[ "$QUICK" == 1 ]]; then
    jmh "handoff" 'RingHandoffBenchmark\.' -p waitStrategy=SLEEPING -wi 1 -w 300ms -i 2 -r 300ms
else
    jmh "handoff" 'RingHandoffBenchmark\.' -wi 2 -w 300ms -i 3 -r 500ms
    jmh "handoff-w1" 'RingHandoffBenchmark\.' -p waitStrategy=SLEEPING,BUSY_SPIN -p workers=1 -wi 2 -w 300ms -i 3 -r 500ms
fi

log "report"
# What the report needs, small enough to commit beside RESULTS.md (the full logs stay in $OUT).
KEEP_DIR="$HERE/results/run-$RUN_ID"
mkdir -p "$KEEP_DIR"
cp "$OUT"/*.json "$OUT"/*.txt "$KEEP_DIR"/
grep -h "RINGWRITER-BENCH-LOSS" "$OUT"/*.log > "$KEEP_DIR/losses.log" || true
[[ -f "$OUT/analysis.md" ]] && cp "$OUT/analysis.md" "$KEEP_DIR/"
(cd "$REPO" && java -Djava.awt.headless=true -cp "$JAR" io.ringwriter.bench.report.ResultsReport \
    "bench/results/run-$RUN_ID" "$HERE/RESULTS.md" "$HERE/results-us-per-file.png")

if [[ "$KEEP" == 0 ]]; then
    # In the background: deleting a run's files takes minutes. Creates on this file system stay slow for minutes
    # after a mass delete (recently freed inodes are skipped), so do not start another run until it has ended.
    nohup nice -n 19 rm -rf "$DATA" > /dev/null 2>&1 &
    log "deleting the run's files under $DATA in the background (pid $!): wait for it before measuring again"
fi
log "done in $(( $(date +%s) - START )) s: $HERE/RESULTS.md, raw data in $OUT"
