#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ramjet's comparative benchmark (`make bench`): ramjet against nginx, HAProxy, Varnish and the
# floor server, on loopback, following shared/BENCH.md (documented in
# docs/BENCHMARKS.md). Servers under test run pinned to core 0; the origin and wrk to core 1.
#
#   bench/run.sh            full run: 10 s per run, 2 alternating rounds, medians
#   bench/run.sh --quick    smoke run: 2 s per run, 1 round, small extras
#
# Settings (environment):
#   BENCH_SECONDS=10  BENCH_ROUNDS=2  BENCH_CONNS="50 256"  BENCH_WARMUP_SECONDS=2
#   BENCH_SCENARIOS="pass hit-1k hit-64k slow"
#   BENCH_CONTENDERS="nginx haproxy varnish ramjet floor"   (plus "direct" in slow runs)
#   BENCH_EXTRAS="launch idle stampede"  BENCH_IDLE_CONNS=10000  BENCH_IDLE_RATE=1000 (conn/s)
#   BENCH_IDLE_SETTLE_SECONDS=2  BENCH_READY_SECONDS=20  BENCH_KEEP=1 (keep the run directory)
#   BENCH_BUILD_DIR=build   RAMJET_SERVE_CMD=... (contenders.sh)   BENCH_SLOW_ORIGIN_CMD=...
#   (origin.sh)
# Results: bench/results/<UTC timestamp>.tsv (raw rows) and .txt (the printed report).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")

usage() {
  sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

QUICK=0
for arg in "$@"; do
  case $arg in
    --quick) QUICK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

if ((QUICK)); then
  : "${BENCH_SECONDS:=2}" "${BENCH_ROUNDS:=1}" "${BENCH_WARMUP_SECONDS:=1}"
  : "${BENCH_IDLE_CONNS:=2000}"
else
  : "${BENCH_SECONDS:=10}" "${BENCH_ROUNDS:=2}" "${BENCH_WARMUP_SECONDS:=2}"
  : "${BENCH_IDLE_CONNS:=10000}"
fi
: "${BENCH_CONNS:=50 256}"
# These three may be set empty on purpose (e.g. BENCH_EXTRAS= for load runs only).
: "${BENCH_SCENARIOS=pass hit-1k hit-64k slow}"
: "${BENCH_CONTENDERS=nginx haproxy varnish ramjet floor}"
: "${BENCH_EXTRAS=launch idle stampede}"
: "${BENCH_IDLE_SETTLE_SECONDS:=2}"
: "${BENCH_IDLE_RATE:=1000}"
: "${BENCH_READY_SECONDS:=20}"
: "${BENCH_BUILD_DIR:=$REPO_DIR/build}"
BUILD_DIR=$(cd "$BENCH_BUILD_DIR" 2>/dev/null && pwd) || BUILD_DIR=$BENCH_BUILD_DIR
read -ra conns_list <<<"$BENCH_CONNS"
BENCH_MAX_CONNS=$(printf '%s\n' "${conns_list[@]}" | sort -n | tail -n 1)

# shellcheck source=lib/common.sh
source "$BENCH_DIR/lib/common.sh"
# shellcheck source=lib/origin.sh
source "$BENCH_DIR/lib/origin.sh"
# shellcheck source=lib/contenders.sh
source "$BENCH_DIR/lib/contenders.sh"
# shellcheck source=lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"
# shellcheck source=lib/extras.sh
source "$BENCH_DIR/lib/extras.sh"
# shellcheck source=lib/report.sh
source "$BENCH_DIR/lib/report.sh"
# shellcheck source=lib/generator.sh
source "$BENCH_DIR/lib/generator.sh"  # ramjet bench vs wrk (issue 6); BENCH_GENERATOR=0 skips

# ---------------------------------------------------------------------------------------------

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  if [[ ${BENCH_KEEP:-0} == 1 && -n ${RUN_DIR:-} ]]; then
    log "kept $RUN_DIR"
  else
    [[ -z ${RUN_DIR:-} ]] || rm -rf "$RUN_DIR"
  fi
  [[ -z ${CACHE_ROOT:-} ]] || rm -rf "$CACHE_ROOT"
  exit "$rc"
}

check_prerequisites() {
  local tool
  for tool in nginx wrk taskset curl ss awk timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/bootstrap"
  done
  [[ $(nproc --all) -ge 2 ]] || die "needs 2 cores (servers on core 0, origin and wrk on 1)"
  taskset -c 1 true 2>/dev/null || die "cannot pin to core 1"
  # 10,000 idle connections need as many descriptors in the server and in the client.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  if (($(ulimit -n) < BENCH_IDLE_CONNS + 512)); then
    warn "ulimit -n is $(ulimit -n): lowering BENCH_IDLE_CONNS to $(($(ulimit -n) - 512))"
    BENCH_IDLE_CONNS=$(($(ulimit -n) - 512))
  fi
}

# find_tool NAME SOURCE — prints the path of build/NAME, or compiles SOURCE with g++ into the
# run directory when the build does not have it (bench/ not yet in the CMake build) or is older
# than its source. Prints nothing when neither works.
find_tool() {
  local name=$1 src=$BENCH_DIR/$2 out=$RUN_DIR/bin/$1
  if [[ -x $BUILD_DIR/$name && ! $src -nt $BUILD_DIR/$name ]]; then
    echo "$BUILD_DIR/$name"
    return
  fi
  mkdir -p "$RUN_DIR/bin"
  log "$name: not built (or older than $2) in $BUILD_DIR; compiling it with g++ -O2"
  if g++ -std=c++20 -O2 -o "$out" "$src" >&2; then echo "$out"; fi
}

write_header() {
  local cpu versions
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  versions="nginx $({ nginx -v 2>&1 || true; } | sed 's|.*/||')"
  versions+="; haproxy $({ haproxy -v 2>/dev/null || true; } | awk 'NR == 1 { print $3 }')"
  versions+="; varnish $({ varnishd -V 2>&1 || true; } | sed -n '1s/.*varnish-\([^ ]*\).*/\1/p')"
  versions+="; $({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $1, $2 }')"
  {
    echo "# ramjet comparative benchmark (bench/run.sh); columns below, one figure per row"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# git: $(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "# host: $(nproc --all) cores ($cpu), $(free -g | awk '/^Mem/ { print $2 }') GiB," \
      "kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# versions: $versions"
    echo "# settings: $BENCH_SECONDS s per run, $BENCH_ROUNDS round(s), connections $BENCH_CONNS," \
      "warm-up ${BENCH_WARMUP_SECONDS}s, idle connections $BENCH_IDLE_CONNS, quick=$QUICK"
    printf 'kind\tscenario\tcontender\tconns\tround\tmetric\tvalue\n'
  } >"$RESULTS_TSV"
}

# ---------------------------------------------------------------------------------------------
# Scenarios: which contenders, in which mode, on which path.

scenario_contenders() {
  case $1 in
    pass) echo "nginx haproxy ramjet" ;;
    hit-1k | hit-64k) echo "nginx haproxy varnish ramjet floor" ;;
    slow) echo "direct nginx haproxy varnish ramjet" ;;
    *) die "unknown scenario $1 (pass hit-1k hit-64k slow)" ;;
  esac
}

# selected NAME — is NAME among BENCH_CONTENDERS? ("direct" always is, in slow runs.)
selected() { [[ $1 == direct || " $BENCH_CONTENDERS " == *" $1 "* ]]; }

# ordered_contenders SCENARIO ROUND — the scenario's contenders, reversed on even rounds so
# that drift does not favour whoever runs first ("direct" always first: it is the base).
ordered_contenders() {
  local names=() name i
  for name in $(scenario_contenders "$1"); do
    if [[ $name != direct ]] && selected "$name"; then names+=("$name"); fi
  done
  [[ $1 != slow ]] || echo direct
  if (($2 % 2 == 1)); then
    printf '%s\n' "${names[@]}"
  else
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do echo "${names[i]}"; done
  fi
}

# run_contender SCENARIO NAME ROUND — start, warm up, time each connection count, stop.
run_contender() {
  local scenario=$1 name=$2 round=$3 mode=cache path=/1k.json conns
  [[ $scenario != pass ]] || mode=pass
  [[ $scenario != hit-64k ]] || path=/64k.json
  FLOOR_BODY_BYTES=$SMALL_BODY_BYTES
  [[ $scenario != hit-64k ]] || FLOOR_BODY_BYTES=$LARGE_BODY_BYTES
  contender_available "$name" "$mode" || return 0
  contender_up "$name" "$mode" "$path" || return 0
  warm_up "$SERVER_PORT" "$path"
  for conns in $BENCH_CONNS; do
    measure_load "$scenario" "$name" "$conns" "$round" "$path"
  done
  contender_down
}

run_scenario_round() {
  local scenario=$1 round=$2 name
  UPSTREAM_PORT=$ORIGIN_PORT UPSTREAM_KIND=static
  if [[ $scenario == slow ]]; then
    [[ -z ${SLOW_SKIPPED:-} ]] || return 0
    if ! start_slow_origin; then
      SLOW_SKIPPED=1
      return 0
    fi
    UPSTREAM_PORT=$SLOW_ORIGIN_PORT UPSTREAM_KIND=slow
  fi
  log "--- $scenario, round $round/$BENCH_ROUNDS"
  for name in $(ordered_contenders "$scenario" "$round"); do
    run_contender "$scenario" "$name" "$round"
  done
  if [[ -n ${SLOW_ORIGIN_PID:-} ]]; then
    stop_process "$SLOW_ORIGIN_PID"
    SLOW_ORIGIN_PID=""
  fi
}

run_extras() {
  local extra name round
  UPSTREAM_PORT=$ORIGIN_PORT UPSTREAM_KIND=static
  FLOOR_BODY_BYTES=$SMALL_BODY_BYTES
  for extra in $BENCH_EXTRAS; do
    log "--- extra: $extra"
    for round in $(seq 1 "$BENCH_ROUNDS"); do
      for name in nginx haproxy varnish ramjet floor; do
        if ! selected "$name" || ! contender_available "$name"; then continue; fi
        case $extra in
          launch) measure_launch "$name" "$round" ;;
          idle) [[ $name == floor || $round -gt 1 ]] || measure_idle "$name" ;;
          stampede) [[ $name == floor ]] || measure_stampede "$name" "$round" ;;
          *) die "unknown extra $extra (launch idle stampede)" ;;
        esac
      done
    done
  done
}

main() {
  local stamp round scenario
  check_prerequisites
  RUN_DIR=$(mktemp -d /tmp/ramjet-bench.XXXXXX)
  CACHE_ROOT=$(mktemp -d /dev/shm/ramjet-bench.XXXXXX)
  # Servers drop privileges (nginx workers, varnish's child): let them reach their files.
  chmod 755 "$RUN_DIR" "$CACHE_ROOT"
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  FLOOR_BIN=$(find_tool ramjet-floor floor/floor.cpp)
  IDLE_BIN=$(find_tool ramjet-idle-conns tools/idle_conns.cpp)
  [[ -n $IDLE_BIN ]] || BENCH_EXTRAS=${BENCH_EXTRAS//idle/}
  mkdir -p "$BENCH_DIR/results"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  RESULTS_TSV=$BENCH_DIR/results/$stamp.tsv
  write_header
  log "results: $RESULTS_TSV"
  start_static_origin

  for round in $(seq 1 "$BENCH_ROUNDS"); do
    for scenario in $BENCH_SCENARIOS; do
      run_scenario_round "$scenario" "$round"
    done
  done
  run_extras
  [[ ${BENCH_GENERATOR:-1} == 0 ]] || run_generator_comparison
  { print_report "$RESULTS_TSV"; print_generator_report "$RESULTS_TSV"; } |
    tee "$BENCH_DIR/results/$stamp.txt"
}

main
