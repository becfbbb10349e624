# shellcheck shell=bash
# The servers under test. Each runs one worker or thread pinned to core 0 (BENCH.md
# "Placement"), set up as its maintainers would for the job (configs in bench/conf/).
#
#   contender_available NAME          — can NAME run here? (else prints why, once)
#   contender_up NAME MODE PATH       — start NAME in MODE (pass | cache) in front of
#                                       UPSTREAM_PORT and wait for a 200 on PATH through it;
#                                       sets SERVER_PID, SERVER_PORT, SERVER_LAUNCH_MS
#   contender_down                    — stop it
#
# Contenders: nginx, haproxy, varnish (cache only), ramjet, floor (answers by itself; its body
# size is FLOOR_BODY_BYTES), direct (no server: wrk talks to the origin itself; slow runs).
# Sourced by bench/run.sh after common.sh and origin.sh.

# ramjet's command line; {build} {port} {upstream} {admin} are substituted, words split on
# spaces. RAMJET_NO_CACHE_FLAG is appended for pass-through runs.
RAMJET_SERVE_DEFAULT="{build}/ramjet serve --listen 127.0.0.1:{port}"
RAMJET_SERVE_DEFAULT+=" --upstream http://127.0.0.1:{upstream} --workers 1"
RAMJET_SERVE_DEFAULT+=" --admin 127.0.0.1:{admin}"
: "${RAMJET_SERVE_CMD:=$RAMJET_SERVE_DEFAULT}"
: "${RAMJET_NO_CACHE_FLAG:=--no-cache}"

# Connections a server must accept: the idle-connection test's count plus headroom (nginx
# starts closing idle keep-alive connections once fewer than 1/16 of its slots are free).
SERVER_MAXCONN=$((${BENCH_IDLE_CONNS:-10000} * 9 / 8 + 512))
SERVER_NOFILE=$(ulimit -Hn)
[[ $SERVER_NOFILE == unlimited ]] && SERVER_NOFILE=1048576

declare -A CONTENDER_UNAVAILABLE=()

SERVER_PID=""
SERVER_PORT=""
SERVER_LAUNCH_MS=""
FLOOR_BODY_BYTES=1024

# ramjet_words MODE PORT — the ramjet command line as words in RAMJET_WORDS.
ramjet_words() {
  local admin cmd
  pick_port admin
  cmd=${RAMJET_SERVE_CMD//\{build\}/$BUILD_DIR}
  cmd=${cmd//\{port\}/$2}
  cmd=${cmd//\{upstream\}/$UPSTREAM_PORT}
  cmd=${cmd//\{admin\}/$admin}
  if [[ $1 == pass ]] && ramjet_has_no_cache_flag; then cmd+=" $RAMJET_NO_CACHE_FLAG"; fi
  read -ra RAMJET_WORDS <<<"$cmd"
}

# ramjet_has_no_cache_flag — does `ramjet serve --help` list RAMJET_NO_CACHE_FLAG? Until it
# does, pass-through runs start ramjet as it is (the origin count in the report shows whether
# they really were pass-through).
ramjet_has_no_cache_flag() {
  local help
  if [[ -z ${RAMJET_NO_CACHE_SUPPORTED:-} ]]; then
    RAMJET_NO_CACHE_SUPPORTED=no
    help=$(timeout 10 "$BUILD_DIR/ramjet" serve --help 2>&1 || true)
    if [[ $help == *"$RAMJET_NO_CACHE_FLAG"* ]]; then
      RAMJET_NO_CACHE_SUPPORTED=yes
    else
      log "ramjet: 'serve --help' lists no $RAMJET_NO_CACHE_FLAG; pass-through runs start it as is"
    fi
  fi
  [[ $RAMJET_NO_CACHE_SUPPORTED == yes ]]
}

# mark_unavailable NAME[/MODE] REASON — NAME (or NAME in MODE only) is skipped from now on.
mark_unavailable() {
  CONTENDER_UNAVAILABLE[$1]=$2
  log "$1: not available ($2)"
}

# contender_available NAME [MODE]
contender_available() {
  local name=$1
  [[ -z ${CONTENDER_UNAVAILABLE[$name]:-} ]] || return 1
  [[ -z ${2:-} || -z ${CONTENDER_UNAVAILABLE[$name/$2]:-} ]] || return 1
  case $name in
    nginx) command -v nginx >/dev/null || mark_unavailable nginx "nginx not installed" ;;
    haproxy) command -v haproxy >/dev/null || mark_unavailable haproxy "haproxy not installed" ;;
    varnish) command -v varnishd >/dev/null || mark_unavailable varnish "varnishd not installed" ;;
    floor) [[ -x ${FLOOR_BIN:-} ]] || mark_unavailable floor "ramjet-floor could not be built" ;;
    direct) [[ -n ${UPSTREAM_PORT:-} ]] || mark_unavailable direct "no origin" ;;
    ramjet)
      if [[ ! -x $BUILD_DIR/ramjet ]]; then
        mark_unavailable ramjet "$BUILD_DIR/ramjet missing"
      elif ! timeout 10 "$BUILD_DIR/ramjet" serve --help >/dev/null 2>&1; then
        mark_unavailable ramjet "'ramjet serve --help' failed"
      fi
      ;;
    *) die "unknown contender $name" ;;
  esac
  [[ -z ${CONTENDER_UNAVAILABLE[$name]:-} ]]
}

# spawn_contender NAME MODE DIR — spawns NAME listening on SERVER_PORT, pinned to core 0.
spawn_contender() {
  local name=$1 mode=$2 dir=$3
  local vars=("DIR=$dir" "PORT=$SERVER_PORT" "ORIGIN_PORT=$UPSTREAM_PORT"
    "MAXCONN=$SERVER_MAXCONN" "NOFILE=$SERVER_NOFILE" "CACHE_DIR=$CACHE_ROOT/nginx-$SERVER_PORT")
  case $name in
    nginx)
      mkdir -p "$dir/client_tmp" "$dir/proxy_tmp"
      render "$BENCH_DIR/conf/nginx-$mode.conf.in" "$dir/nginx.conf" "${vars[@]}"
      spawn "$dir/stdout.log" taskset -c 0 nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf"
      ;;
    haproxy)
      render "$BENCH_DIR/conf/haproxy-$mode.cfg.in" "$dir/haproxy.cfg" "${vars[@]}"
      spawn "$dir/stdout.log" taskset -c 0 haproxy -db -f "$dir/haproxy.cfg"
      ;;
    varnish)
      render "$BENCH_DIR/conf/varnish.vcl.in" "$dir/default.vcl" "${vars[@]}"
      spawn "$dir/stdout.log" taskset -c 0 varnishd -F -n "$dir/work" -f "$dir/default.vcl" \
        -a "127.0.0.1:$SERVER_PORT" -T 127.0.0.1:0 -s malloc,256m \
        -p thread_pools=1 -p timeout_idle=300
      ;;
    ramjet)
      ramjet_words "$mode" "$SERVER_PORT"
      spawn "$dir/stdout.log" taskset -c 0 "${RAMJET_WORDS[@]}"
      ;;
    floor)
      spawn "$dir/stdout.log" taskset -c 0 "$FLOOR_BIN" "$SERVER_PORT" "$FLOOR_BODY_BYTES"
      ;;
  esac
  SERVER_PID=$SPAWNED_PID
}

contender_up() {
  local name=$1 mode=$2 path=$3 dir t0
  SERVER_PID="" SERVER_LAUNCH_MS=""
  if [[ $name == direct ]]; then
    SERVER_PORT=$UPSTREAM_PORT
    return 0
  fi
  pick_port SERVER_PORT
  dir=$RUN_DIR/$name-$SERVER_PORT
  mkdir -p "$dir"
  chmod 755 "$dir"  # varnish's unprivileged child reads its working directory
  t0=$(now_us)
  spawn_contender "$name" "$mode" "$dir"
  if ! wait_http_200 "$SERVER_PID" "$SERVER_PORT" "$path" "$BENCH_READY_SECONDS"; then
    log "$name ($mode) exited or served no 200 on $path within ${BENCH_READY_SECONDS}s; log:"
    tail -n 8 "$dir"/*.log >&2 2>/dev/null || true
    contender_down
    if [[ $name == ramjet ]]; then
      # A pass-through failure (say, --no-cache not implemented yet) spares the cache runs.
      if [[ $mode == pass ]]; then
        mark_unavailable ramjet/pass "no 200 through '${RAMJET_WORDS[*]}'"
      else
        mark_unavailable ramjet "no 200 through '${RAMJET_WORDS[*]}'"
      fi
    fi
    return 1
  fi
  # shellcheck disable=SC2034  # read by extras.sh
  SERVER_LAUNCH_MS=$(((READY_US - t0) / 1000))
}

contender_down() {
  if [[ -n $SERVER_PID ]]; then
    stop_process "$SERVER_PID"
  fi
  SERVER_PID=""
}

# contender_tree — the server's processes now (nginx master + worker + cache helpers, the
# varnish manager + child...), one per line, for CPU and RSS sums. Empty for "direct".
contender_tree() {
  [[ -z $SERVER_PID ]] || process_tree "$SERVER_PID"
}
