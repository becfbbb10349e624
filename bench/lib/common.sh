# shellcheck shell=bash
# Helpers shared by bench/run.sh: logging, ports, the processes the harness starts (and stops,
# always, from the EXIT trap), HTTP probes without forking, and /proc readings.
# Sourced by bench/run.sh; expects RUN_DIR to be set before any server is started.

log() { printf '[bench] %s\n' "$*" >&2; }
warn() { printf '[bench] warning: %s\n' "$*" >&2; }
die() {
  printf '[bench] error: %s\n' "$*" >&2
  exit 1
}

# Microseconds since the epoch, without forking.
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# A file descriptor that never becomes readable: `read -t` on it is a sleep without a fork.
exec {BENCH_SLEEP_FD}<> <(:)
nap() { read -r -t "$1" -u "$BENCH_SLEEP_FD" _ || true; }

# ---------------------------------------------------------------------------------------------
# Processes. Every server or tool the harness starts goes through spawn(), so that stop_all()
# (from the EXIT trap, also on Ctrl-C and on failure) can stop it by its pid.

BENCH_PIDS=()

# spawn LOGFILE CMD... — starts CMD in the background; its pid is left in SPAWNED_PID.
spawn() {
  local logfile=$1
  shift
  "$@" >"$logfile" 2>&1 </dev/null &
  SPAWNED_PID=$!
  BENCH_PIDS+=("$SPAWNED_PID")
}

# alive PID — true while PID runs (a zombie awaiting our `wait` counts as gone).
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# process_tree PID — prints PID and its descendants (nginx workers, the varnish child...).
process_tree() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    process_tree "$child"
  done
}

# stop_process PID — SIGTERM to PID (servers stop their own children), then SIGKILL to what is
# left of its tree after 5 s. Forgets PID.
stop_process() {
  local pid=$1 tree i p
  mapfile -t tree < <(process_tree "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 250; i++)); do
    local any=0
    for p in "${tree[@]}"; do
      if alive "$p"; then any=1; fi
    done
    ((any == 1)) || break
    nap 0.02
  done
  for p in "${tree[@]}"; do
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${BENCH_PIDS[@]}"; do
    [[ $p == "$pid" ]] || kept+=("$p")
  done
  BENCH_PIDS=("${kept[@]}")
}

stop_all() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    stop_process "$pid"
  done
}

# ---------------------------------------------------------------------------------------------
# Ports: random loopback ports below the ephemeral range, not listening and not handed out yet.

declare -A BENCH_PORTS_TAKEN=()

# pick_port VAR — sets VAR to a free port.
pick_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ -z ${BENCH_PORTS_TAKEN[$p]:-} ]] || continue
    if [[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]]; then
      BENCH_PORTS_TAKEN[$p]=1
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free loopback port found"
}

# ---------------------------------------------------------------------------------------------
# HTTP probes over bash's /dev/tcp: no fork, so the launch-time measurement is not dominated
# by starting curl.

# http_status PORT PATH — sets HTTP_STATUS to the response's status code ("" if none came).
http_status() {
  local fd line
  HTTP_STATUS=""
  if ! { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; then
    return 1
  fi
  # The Host wrk sends too: a cache keyed on the authority (RFC 9111 §4) sees the same key.
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" 1>&"$fd" \
    2>/dev/null || true
  IFS= read -r -t 5 -u "$fd" line 2>/dev/null || true
  exec {fd}>&-
  if [[ $line =~ ^HTTP/1\.[01]\ ([0-9]{3}) ]]; then
    HTTP_STATUS=${BASH_REMATCH[1]}
  fi
  [[ -n $HTTP_STATUS ]]
}

# wait_http_200 PID PORT PATH TIMEOUT_S — polls until a 200 comes through PORT. Fails when PID
# exits first or the time runs out. Sets READY_US to the time of the first 200.
wait_http_200() {
  local pid=$1 port=$2 path=$3 deadline
  deadline=$(($(now_us) + $4 * 1000000))
  while (($(now_us) < deadline)); do
    if http_status "$port" "$path" && [[ $HTTP_STATUS == 200 ]]; then
      # shellcheck disable=SC2034  # read by the caller
      READY_US=$(now_us)
      return 0
    fi
    alive "$pid" || return 1
    nap 0.002
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# /proc readings, summed over a process tree.

# cpu_ticks PID... — utime+stime (clock ticks) summed over the given processes.
cpu_ticks() {
  local pid stat fields total=0
  for pid in "$@"; do
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || continue
    read -ra fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# rss_kb PID... — VmRSS (KiB) summed over the given processes.
rss_kb() {
  local pid key value rest total=0
  for pid in "$@"; do
    {
      while read -r key value rest; do
        if [[ $key == VmRSS: ]]; then total=$((total + value)); fi
      done <"/proc/$pid/status"
    } 2>/dev/null || true
  done
  echo "$total"
}

# median VALUE... — the median of numbers (mean of the middle two for an even count).
median() {
  if (($# == 0)); then
    echo NA
    return
  fi
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) { print v[(NR + 1) / 2] } else { print (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}
