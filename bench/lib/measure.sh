# shellcheck shell=bash
# Load runs: wrk (-t1, pinned to core 1) against the running contender, with the server's CPU
# time and the origin's request count read before and after (BENCH.md "Placement").
# Every figure is appended to RESULTS_TSV as one row:
#   kind  scenario  contender  conns  round  metric  value
# Sourced by bench/run.sh after common.sh, origin.sh and contenders.sh.

CLK_TCK=$(getconf CLK_TCK)

# emit KIND SCENARIO CONTENDER CONNS ROUND METRIC VALUE — one result row.
emit() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$RESULTS_TSV"
}

# run_wrk PORT PATH CONNS SECONDS OUT — runs wrk, bounded in time; its output goes to OUT.
run_wrk() {
  local port=$1 path=$2 conns=$3 seconds=$4 out=$5
  timeout --foreground $((seconds + 30)) taskset -c 1 wrk -t1 -c"$conns" -d"${seconds}s" \
    --timeout 5s --latency -s "$BENCH_DIR/lib/wrk_report.lua" \
    "http://127.0.0.1:$port$path" >"$out" 2>&1 || true
}

# wrk_field OUT KEY — a value from the RESULT line that wrk_report.lua printed ("" if none).
wrk_field() {
  sed -n "s/^RESULT.* $2=\([0-9]*\).*/\1/p" "$1"
}

# measure_load SCENARIO CONTENDER CONNS ROUND PATH — one timed run against SERVER_PORT.
measure_load() {
  local scenario=$1 name=$2 conns=$3 round=$4 path=$5 out tree o0 o1 c0 c1
  out=$RUN_DIR/wrk-$scenario-$name-$conns-$round.txt
  mapfile -t tree < <(contender_tree)
  o0=$(origin_count_now)
  c0=$(cpu_ticks "${tree[@]}")
  run_wrk "$SERVER_PORT" "$path" "$conns" "$BENCH_SECONDS" "$out"
  c1=$(cpu_ticks "${tree[@]}")
  o1=$(origin_count_now)
  record_load "$scenario" "$name" "$conns" "$round" "$out" $((c1 - c0)) "$o0" "$o1"
}

# record_load SCENARIO NAME CONNS ROUND WRK_OUT CPU_TICKS ORIGIN_BEFORE ORIGIN_AFTER
record_load() {
  local s=$1 n=$2 c=$3 r=$4 out=$5 ticks=$6 requests duration errors origin cpu_us rps
  requests=$(wrk_field "$out" requests)
  duration=$(wrk_field "$out" duration_us)
  if [[ -z $requests || -z $duration || $requests -eq 0 ]]; then
    warn "$s/$n/c$c round $r: wrk produced no result; see below"
    tail -n 5 "$out" >&2
    emit load "$s" "$n" "$c" "$r" failed 1
    return
  fi
  errors=$(($(wrk_field "$out" connect) + $(wrk_field "$out" read) + $(wrk_field "$out" write) \
    + $(wrk_field "$out" timeout)))
  origin=$(origin_delta "$7" "$8")
  rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r * 1e6 / d }')
  cpu_us=NA
  if [[ -n ${SERVER_PID} ]]; then
    cpu_us=$(awk -v t="$ticks" -v hz="$CLK_TCK" -v r="$requests" \
      'BEGIN { printf "%.3f", t * 1e6 / hz / r }')
  fi
  emit load "$s" "$n" "$c" "$r" requests "$requests"
  emit load "$s" "$n" "$c" "$r" rps "$rps"
  emit load "$s" "$n" "$c" "$r" p99_us "$(wrk_field "$out" p99_us)"
  emit load "$s" "$n" "$c" "$r" cpu_us_per_req "$cpu_us"
  emit load "$s" "$n" "$c" "$r" origin_reqs "$origin"
  emit load "$s" "$n" "$c" "$r" socket_errors "$errors"
  emit load "$s" "$n" "$c" "$r" non2xx "$(wrk_field "$out" status)"
  log "$(printf '%-8s %-8s c=%-4s round %s: %8s req/s  p99 %6s us  cpu %7s us/req  origin %s' \
    "$s" "$n" "$c" "$r" "$rps" "$(wrk_field "$out" p99_us)" "$cpu_us" "$origin")"
}

# warm_up PORT PATH — fills caches, upstream pools and worker threads before timing.
warm_up() {
  run_wrk "$1" "$2" "$BENCH_MAX_CONNS" "$BENCH_WARMUP_SECONDS" "$RUN_DIR/warmup.txt"
}
