# shellcheck shell=bash
# The origins the contenders proxy to, both pinned to core 1 beside wrk (BENCH.md "Placement"):
#  - nginx serving static JSON (1 KiB and "64k") with Cache-Control and an ETag; stub_status
#    counts its requests so that every run can check that a hit is a hit;
#  - the slow origin (build/ramjet-origin sleeping 50 ms per request) for the headline run.
# Sourced by bench/run.sh after common.sh.

# Body sizes. The large object is 64,000 bytes rather than 65,536: HAProxy's documented
# `max-object-size 65536` counts the response headers too, and a 65,536-byte body would never
# be cached by it, turning its "hit" run into pass-through.
SMALL_BODY_BYTES=1024
LARGE_BODY_BYTES=64000
# Freshness of /short.json, the key the stampede probe watches expire (see extras.sh).
SHORT_MAX_AGE=5

# The slow origin's command line. ramjet-origin's flags are still being written: this is the
# one place to fix. {build} and {port} are substituted; words are split on spaces (so no
# spaces inside a value). Its responses must be cacheable for the caches to hit.
SLOW_ORIGIN_DEFAULT="{build}/ramjet-origin --listen 127.0.0.1:{port} --latency 50ms"
SLOW_ORIGIN_DEFAULT+=" --body-size 1KiB --cache-control public,max-age=300 --etag --quiet"
: "${BENCH_SLOW_ORIGIN_CMD:=$SLOW_ORIGIN_DEFAULT}"
# Where it reports its request count, as JSON with a "requests" member (its own stats
# requests are not counted); an unreadable count shows as "-" in the report.
: "${BENCH_SLOW_ORIGIN_STATS:=/__origin/stats}"

ORIGIN_PID=""
ORIGIN_PORT=""
ORIGIN_STATUS_PORT=""

# render TEMPLATE OUT KEY=VALUE... — copies TEMPLATE to OUT replacing each @KEY@ with VALUE.
render() {
  local template=$1 out=$2 kv args=()
  shift 2
  for kv in "$@"; do
    args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
  done
  sed "${args[@]}" "$template" >"$out"
  if grep -q '@[A-Z_]*@' "$out"; then
    die "unfilled placeholder in $out: $(grep -o '@[A-Z_]*@' "$out" | head -1)"
  fi
}

# write_json FILE BYTES — a JSON document of exactly BYTES bytes.
write_json() {
  awk -v n="$2" 'BEGIN {
    head = "{\"kind\":\"benchmark\",\"pad\":\""; tail = "\"}\n"
    pad = n - length(head) - length(tail)
    s = "abcdefghijklmnopqrstuvwxyz"; while (length(s) < pad) s = s s
    printf "%s%s%s", head, substr(s, 1, pad), tail }' >"$1"
}

start_static_origin() {
  local dir=$RUN_DIR/origin
  mkdir -p "$dir/tmp" "$RUN_DIR/www"
  write_json "$RUN_DIR/www/1k.json" "$SMALL_BODY_BYTES"
  write_json "$RUN_DIR/www/64k.json" "$LARGE_BODY_BYTES"
  pick_port ORIGIN_PORT
  pick_port ORIGIN_STATUS_PORT
  render "$BENCH_DIR/conf/origin-nginx.conf.in" "$dir/nginx.conf" "RUN_DIR=$RUN_DIR" \
    "ORIGIN_PORT=$ORIGIN_PORT" "STATUS_PORT=$ORIGIN_STATUS_PORT" "SHORT_MAX_AGE=$SHORT_MAX_AGE"
  spawn "$dir/stdout.log" taskset -c 1 nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
  ORIGIN_PID=$SPAWNED_PID
  if ! wait_http_200 "$ORIGIN_PID" "$ORIGIN_PORT" /1k.json 10; then
    tail -n 20 "$dir/error.log" "$dir/stdout.log" >&2 || true
    die "the nginx origin did not start"
  fi
  log "origin: nginx on 127.0.0.1:$ORIGIN_PORT (core 1), stub_status on :$ORIGIN_STATUS_PORT"
}

# origin_requests — the static origin's request counter (stub_status), NA if unreadable.
# Each reading counts itself: use origin_delta for the requests between two readings.
origin_requests() {
  local body
  body=$(curl -fsS --max-time 5 "http://127.0.0.1:$ORIGIN_STATUS_PORT/status") || {
    echo NA
    return
  }
  awk 'NR == 3 { print $3 }' <<<"$body"
}

# slow_origin_requests — the slow origin's request counter, NA if unreadable.
slow_origin_requests() {
  local body count
  body=$(curl -fsS --max-time 5 "http://127.0.0.1:$SLOW_ORIGIN_PORT$BENCH_SLOW_ORIGIN_STATS" \
    2>/dev/null) || body=""
  count=$(sed -n 's/.*"requests":[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$body")
  echo "${count:-NA}"
}

# origin_count_now — the current upstream's request count (UPSTREAM_KIND: static | slow).
origin_count_now() {
  if [[ ${UPSTREAM_KIND:-static} == static ]]; then origin_requests; else slow_origin_requests; fi
}

# origin_delta BEFORE AFTER — upstream requests between two readings of origin_count_now
# (nginx's stub_status counts the second reading itself; ramjet-origin's stats do not).
origin_delta() {
  local self=0
  [[ ${UPSTREAM_KIND:-static} != static ]] || self=1
  if [[ $1 == NA || $2 == NA ]]; then echo NA; else echo $(($2 - $1 - self)); fi
}

# start_slow_origin — starts the 50 ms origin on core 1; sets SLOW_ORIGIN_PID/PORT. Fails
# (with a message) when the binary is missing or never serves a 200.
start_slow_origin() {
  local cmd words log=$RUN_DIR/slow-origin.log
  SLOW_ORIGIN_PID=""
  pick_port SLOW_ORIGIN_PORT
  cmd=${BENCH_SLOW_ORIGIN_CMD//\{build\}/$BUILD_DIR}
  cmd=${cmd//\{port\}/$SLOW_ORIGIN_PORT}
  read -ra words <<<"$cmd"
  if [[ ! -x ${words[0]} ]]; then
    log "slow origin: ${words[0]} not found; skipping the 50 ms origin scenario"
    return 1
  fi
  spawn "$log" taskset -c 1 "${words[@]}"
  SLOW_ORIGIN_PID=$SPAWNED_PID
  if ! wait_http_200 "$SLOW_ORIGIN_PID" "$SLOW_ORIGIN_PORT" /1k.json 10; then
    log "slow origin: '$cmd' served no 200 on /1k.json; skipping the 50 ms scenario" \
      "(fix BENCH_SLOW_ORIGIN_CMD in bench/lib/origin.sh)"
    tail -n 5 "$log" >&2 || true
    stop_process "$SLOW_ORIGIN_PID"
    SLOW_ORIGIN_PID=""
    return 1
  fi
  log "slow origin: $cmd (core 1)"
}
