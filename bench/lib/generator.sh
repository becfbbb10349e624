# shellcheck shell=bash
# The load generator's own check (issue 6): `ramjet bench` side by side with wrk, both on one
# thread and 50 connections, pinned to core 1, against a fast loopback server pinned to core 0
# (nginx serving a small static file, access log off, keep-alive without a request cap).
# Rounds alternate which tool goes first. For each run: req/s as the tool reports it, and the
# tool's CPU per request (user+system time of the generator process, from `times` in a
# wrapper shell, i.e. getrusage of the child) divided by the responses it counted.
# Goal: ramjet bench >= 1.0x wrk's req/s, with less CPU per request.
#
# Sourced by bench/run.sh (after common.sh and measure.sh): run_generator_comparison, then
# print_generator_report RESULTS.tsv. Also runs by itself:
#   bash bench/lib/generator.sh     (BENCH_BUILD_DIR=build  BENCH_GENERATOR_SECONDS=5
#                                     BENCH_ROUNDS=2  BENCH_GENERATOR_CONNS=50)

: "${BENCH_GENERATOR_SECONDS:=${BENCH_SECONDS:-5}}"
: "${BENCH_GENERATOR_CONNS:=50}"

# gen_cpu_ms TIMES_OUTPUT — user+system ms of the children from bash's `times` (second line).
gen_cpu_ms() {
  awk 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' "$1"
}

# start_generator_target — nginx on core 0 with a 1 KiB file; sets GEN_TARGET_PORT/PID.
start_generator_target() {
  local dir=$RUN_DIR/gen-target
  mkdir -p "$dir/www" "$dir/tmp"
  head -c 1024 /dev/zero | tr '\0' 'x' >"$dir/www/1k.txt"
  pick_port GEN_TARGET_PORT
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$GEN_TARGET_PORT backlog=4096;
    root $dir/www;
  }
}
CONF
  spawn "$dir/stdout.log" taskset -c 0 nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
  GEN_TARGET_PID=$SPAWNED_PID
  if ! wait_http_200 "$GEN_TARGET_PID" "$GEN_TARGET_PORT" /1k.txt 10; then
    tail -n 20 "$dir/error.log" >&2 || true
    die "generator check: nginx did not start"
  fi
}

# gen_run TOOL ROUND — one timed run; emits rps and cpu_us_per_req rows (kind "generator").
gen_run() {
  local tool=$1 round=$2 out=$RUN_DIR/gen-$1-$2.txt tms=$RUN_DIR/gen-$1-$2.times url requests
  local rps cpu_ms seconds=$BENCH_GENERATOR_SECONDS conns=$BENCH_GENERATOR_CONNS
  url=http://127.0.0.1:$GEN_TARGET_PORT/1k.txt
  # shellcheck disable=SC2016  # the inner shell expands $0 and $@, on purpose
  if [[ $tool == ramjet-bench ]]; then
    timeout $((seconds + 30)) taskset -c 1 bash -c '"$@" >"$0" 2>&1; times >"$0.times"' \
      "$out" "$GEN_RAMJET" bench "$url" -c "$conns" -t 1 -d "${seconds}s" || true
    requests=$(sed -n 's/^  Requests *\([0-9]*\) responses.*/\1/p' "$out")
    rps=$(sed -n 's/^  Requests .*: \([0-9.]*\) req\/s.*/\1/p' "$out")
  else
    # shellcheck disable=SC2016
    timeout $((seconds + 30)) taskset -c 1 bash -c '"$@" >"$0" 2>&1; times >"$0.times"' \
      "$out" wrk -t1 -c"$conns" -d"${seconds}s" "$url" || true
    requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
  fi
  mv "$out.times" "$tms" 2>/dev/null || true
  if [[ -z $requests || -z $rps || $requests -eq 0 || ! -s $tms ]]; then
    warn "generator check: $tool round $round produced no result:"
    tail -n 5 "$out" >&2
    return
  fi
  cpu_ms=$(gen_cpu_ms "$tms")
  emit generator static "$tool" "$conns" "$round" rps "$rps"
  emit generator static "$tool" "$conns" "$round" requests "$requests"
  emit generator static "$tool" "$conns" "$round" cpu_us_per_req \
    "$(awk -v c="$cpu_ms" -v r="$requests" 'BEGIN { printf "%.3f", c * 1000 / r }')"
  log "$(printf 'generator %-12s round %s: %10s req/s  %7s ms CPU  %s responses' "$tool" \
    "$round" "$rps" "$cpu_ms" "$requests")"
}

run_generator_comparison() {
  local round
  GEN_RAMJET=$BUILD_DIR/ramjet
  if [[ ! -x $GEN_RAMJET ]] || ! "$GEN_RAMJET" bench --help >/dev/null 2>&1; then
    log "generator check: $GEN_RAMJET has no bench command; skipped"
    return 0
  fi
  log "--- generator check: ramjet bench vs wrk (-t1 -c$BENCH_GENERATOR_CONNS," \
    "${BENCH_GENERATOR_SECONDS}s, core 1) against nginx on core 0"
  start_generator_target
  for round in $(seq 1 "$BENCH_ROUNDS"); do
    if ((round % 2 == 1)); then
      gen_run ramjet-bench "$round"
      gen_run wrk "$round"
    else
      gen_run wrk "$round"
      gen_run ramjet-bench "$round"
    fi
  done
  stop_process "$GEN_TARGET_PID"
}

# print_generator_report RESULTS.tsv — medians per tool and the ratios the issue sets goals on.
print_generator_report() {
  awk -F '\t' '
    $1 == "generator" { v[$3 SUBSEP $6] = v[$3 SUBSEP $6] " " $7; conns = $4 }
    function med(key,    n, a, i, j, t) {
      n = split(v[key], a, " "); if (n == 0) return "NA"
      for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
        t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
      if (conns == "") exit
      printf "\n== generator: ramjet bench vs wrk, 1 thread, %s connections (medians) ==\n", conns
      printf "%-14s %10s %12s\n", "tool", "req/s", "CPU us/req"
      split("ramjet-bench wrk", tools, " ")
      for (i = 1; i <= 2; i++) {
        r[i] = med(tools[i] SUBSEP "rps"); c[i] = med(tools[i] SUBSEP "cpu_us_per_req")
        printf "%-14s %10s %12s\n", tools[i], r[i], c[i]
      }
      if (r[1] != "NA" && r[2] != "NA" && r[2] > 0 && c[1] != "NA" && c[2] > 0)
        printf "  ramjet bench / wrk: req/s %.2fx (goal >= 1.00x), CPU per request %.2fx " \
               "(goal < 1.00x)\n", r[1] / r[2], c[1] / c[2]
    }' "$1"
}

# Standalone: bash bench/lib/generator.sh
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  REPO_DIR=$(dirname "$BENCH_DIR")
  : "${BENCH_ROUNDS:=2}"
  : "${BENCH_BUILD_DIR:=$REPO_DIR/build}"
  BUILD_DIR=$(cd "$BENCH_BUILD_DIR" && pwd)
  # shellcheck source=bench/lib/common.sh
  source "$BENCH_DIR/lib/common.sh"
  # shellcheck source=bench/lib/measure.sh
  source "$BENCH_DIR/lib/measure.sh"
  RUN_DIR=$(mktemp -d /tmp/ramjet-gen.XXXXXX)
  chmod 755 "$RUN_DIR"
  RESULTS_TSV=$RUN_DIR/results.tsv
  trap 'stop_all; rm -rf "$RUN_DIR"' EXIT
  run_generator_comparison
  print_generator_report "$RESULTS_TSV"
fi
