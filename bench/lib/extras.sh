# shellcheck shell=bash
# Measurements beside the load runs (BENCH.md "Memory", DESIGN.md "Start-up does little"):
#   launch   — time from spawning a server to the first 200 proxied through it (a cache miss
#              that reaches the origin); the floor is listed as the no-proxy reference.
#   idle     — RSS per idle keep-alive client connection: ramjet-idle-conns opens N
#              connections, one request each, then holds them; the growth of VmRSS summed
#              over the server's processes is divided by the connections (see measure_idle).
#              Also the RSS at rest (1 s after start-up and one request).
#   stampede — origin requests while 256 connections hammer a key (/short.json, fresh for
#              SHORT_MAX_AGE s) across the moment it expires; 1 is perfect collapsing.
# All use the cache set-up of each server, in front of the static nginx origin.
# Sourced by bench/run.sh after the other libraries.

measure_launch() {
  local name=$1 round=$2
  contender_up "$name" cache /1k.json || return 0
  emit launch first-response "$name" - "$round" launch_ms "$SERVER_LAUNCH_MS"
  log "launch   $name round $round: first 200 after $SERVER_LAUNCH_MS ms"
  contender_down
}

# open_idle TAG COUNT — starts ramjet-idle-conns (core 1) with COUNT connections to the server
# and waits, bounded, until they are all open and idle. Sets IDLE_TOOL_PID and IDLE_OK.
open_idle() {
  local out=$RUN_DIR/idle-$1.txt i
  spawn "$out" taskset -c 1 "$IDLE_BIN" --port "$SERVER_PORT" --path /1k.json --count "$2" \
    --window 64 --rate "$BENCH_IDLE_RATE" --hold-seconds 600 --timeout-seconds 300
  IDLE_TOOL_PID=$SPAWNED_PID
  IDLE_OK=""
  for ((i = 0; i < 3100; i++)); do
    if grep -q '^ready ' "$out" 2>/dev/null; then
      IDLE_OK=$(sed -n 's/^ready .* ok=\([0-9]*\).*/\1/p' "$out")
      nap "$BENCH_IDLE_SETTLE_SECONDS"
      return 0
    fi
    alive "$IDLE_TOOL_PID" || break
    nap 0.1
  done
  warn "idle $1: ramjet-idle-conns did not open its connections: $(tail -n 2 "$out")"
  return 1
}

server_rss_kb() {
  local tree
  mapfile -t tree < <(contender_tree)
  rss_kb "${tree[@]}"
}

# measure_idle NAME — the marginal memory of an idle keep-alive connection. A first tenth of
# the connections warms the server (pools, allocator arenas, Varnish's worker threads, which
# it starts for a burst of new connections and keeps); the growth of RSS while the other nine
# tenths open, divided by them, is the figure. The growth over all of them is kept too.
measure_idle() {
  local name=$1 first=$((BENCH_IDLE_CONNS / 10)) rest mid after pid_first ok_first
  contender_up "$name" cache /1k.json || return 0
  nap 1
  rest=$(server_rss_kb)
  if open_idle "$name-first" "$first"; then
    pid_first=$IDLE_TOOL_PID ok_first=$IDLE_OK
    mid=$(server_rss_kb)
    if open_idle "$name-rest" $((BENCH_IDLE_CONNS - first)); then
      after=$(server_rss_kb)
      record_idle "$name" "$rest" "$mid" "$after" "$ok_first" "$IDLE_OK" \
        "$(ss -Htn state established "( sport = :$SERVER_PORT )" | wc -l)"
    fi
    stop_process "$IDLE_TOOL_PID"
    stop_process "$pid_first"
  fi
  contender_down
}

# record_idle NAME REST_KB MID_KB AFTER_KB OK_FIRST OK_REST ESTABLISHED
record_idle() {
  local name=$1 n=$(($5 + $6)) marginal=NA overall=NA
  if (($6 > 0)); then marginal=$((($4 - $3) * 1024 / $6)); fi
  if ((n > 0)); then overall=$((($4 - $2) * 1024 / n)); fi
  if (($7 < n)); then
    warn "idle $name: only $7 of $n connections still established when measured"
  fi
  emit idle idle-conns "$name" "$n" 1 rest_rss_kb "$2"
  emit idle idle-conns "$name" "$n" 1 rss_first_tenth_kb "$3"
  emit idle idle-conns "$name" "$n" 1 rss_all_kb "$4"
  emit idle idle-conns "$name" "$n" 1 established "$7"
  emit idle idle-conns "$name" "$n" 1 bytes_per_conn "$marginal"
  emit idle idle-conns "$name" "$n" 1 bytes_per_conn_overall "$overall"
  log "idle     $name: at rest $2 KiB; $n idle conns: $2 -> $3 -> $4 KiB;" \
    "$marginal B/conn after the first tenth, $overall B/conn overall"
}

measure_stampede() {
  local name=$1 round=$2 window=$((SHORT_MAX_AGE + 1)) out o0 o1
  # The 200 that contender_up waits for is the fill: the key expires at most SHORT_MAX_AGE s
  # later, inside the window. A cache that ages responses by their Date (RFC 9111 §4.2.3;
  # Date has 1 s resolution) may see each copy up to 1 s old on arrival, so its refill can
  # expire again 2 * (SHORT_MAX_AGE - 1) s after the fill: the window ends before that.
  contender_up "$name" cache /short.json || return 0
  out=$RUN_DIR/stampede-$name-$round.txt
  o0=$(origin_count_now)
  run_wrk "$SERVER_PORT" /short.json 256 "$window" "$out"
  o1=$(origin_count_now)
  contender_down
  emit stampede expiry "$name" 256 "$round" origin_reqs "$(origin_delta "$o0" "$o1")"
  emit stampede expiry "$name" 256 "$round" requests "$(wrk_field "$out" requests)"
  emit stampede expiry "$name" 256 "$round" non2xx "$(wrk_field "$out" status)"
  log "stampede $name round $round: $(origin_delta "$o0" "$o1") origin requests, one expiry"
}
