# shellcheck shell=bash
# Turns a results TSV (see measure.sh) into the printed report: per scenario a table of
# medians over rounds, then the ratios that matter — ramjet against the best peer, every
# server's CPU per request against the floor's on hits, and "x faster" against the slow origin
# measured directly. Usage: print_report RESULTS.tsv. Sourced by bench/run.sh; also usable by
# itself: bash -c 'source bench/lib/report.sh; print_report bench/results/X.tsv'.

print_report() {
  awk -F '\t' -f /dev/stdin "$1" <<'AWK'
function add(key, v) { vals[key] = (key in vals) ? vals[key] " " v : v }
function remember(list, item,    n, i, parts) {
  n = split(order[list], parts, " ")
  for (i = 1; i <= n; i++) if (parts[i] == item) return
  order[list] = order[list] (order[list] == "" ? "" : " ") item
}
# median of the numeric values stored under key; "NA" if there are none.
function med(key,    n, i, j, t, a, m) {
  if (!(key in vals)) return "NA"
  n = 0; m = split(vals[key], t, " ")
  for (i = 1; i <= m; i++) if (t[i] != "NA" && t[i] != "") a[++n] = t[i] + 0
  if (n == 0) return "NA"
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
    t[0] = a[j]; a[j] = a[j - 1]; a[j - 1] = t[0]
  }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function total(key,    n, i, t, s) {
  if (!(key in vals)) return 0
  n = split(vals[key], t, " "); s = 0
  for (i = 1; i <= n; i++) if (t[i] != "NA") s += t[i]
  return s
}
function maxof(key,    n, i, t, s) {
  if (!(key in vals)) return "NA"
  n = split(vals[key], t, " "); s = "NA"
  for (i = 1; i <= n; i++) if (t[i] != "NA" && (s == "NA" || t[i] + 0 > s)) s = t[i] + 0
  return s
}
function fmt(v, f) { return v == "NA" ? "-" : sprintf(f, v) }
function ratio(a, b) { return (a == "NA" || b == "NA" || b == 0) ? "NA" : a / b }
function is_peer(c) { return c != "ramjet" && c != "floor" && c != "direct" }

/^#/ { if ($0 ~ /^# (settings|host|versions|date|git):/) header = header $0 "\n"; next }
$1 == "load" || $1 == "launch" || $1 == "idle" || $1 == "stampede" {
  remember($1, $2)
  remember($1 SUBSEP $2, $3)
  remember($1 SUBSEP $2 SUBSEP "conns", $4)
  add($1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $6, $7)
  rounds[$1 SUBSEP $2 SUBSEP $3 SUBSEP $4 SUBSEP $5] = 1
}

function load_table(s,    nc, cs, nn, ns, i, j, c, k, p99, cpu, orig, notes, floor_cpu, rps) {
  printf "\n== %s ==\n", s
  printf "%-9s %5s %9s %8s %11s %9s %8s  %s\n", "contender", "conns", "req/s", "p99 ms",
         "CPU us/req", "origin", "CPU/floor", "notes"
  nc = split(order["load" SUBSEP s], cs, " ")
  nn = split(order["load" SUBSEP s SUBSEP "conns"], ns, " ")
  for (j = 1; j <= nn; j++) {
    floor_cpu = med("load" SUBSEP s SUBSEP "floor" SUBSEP ns[j] SUBSEP "cpu_us_per_req")
    for (i = 1; i <= nc; i++) {
      c = cs[i]; k = "load" SUBSEP s SUBSEP c SUBSEP ns[j] SUBSEP
      if (!((k "rps") in vals)) continue
      rps = med(k "rps"); p99 = med(k "p99_us"); cpu = med(k "cpu_us_per_req")
      orig = maxof(k "origin_reqs")
      notes = ""
      if (total(k "socket_errors") > 0) notes = notes " socket-errors=" total(k "socket_errors")
      if (total(k "non2xx") > 0) notes = notes " non-2xx=" total(k "non2xx")
      if (total(k "failed") > 0) notes = notes " failed-runs=" total(k "failed")
      if (s ~ /^hit/ && orig != "NA" && orig > 1) notes = notes " NOT-ALL-HITS"
      if (s ~ /^pass/ && orig != "NA" && orig < 0.9 * med(k "requests"))
        notes = notes " NOT-PASS-THROUGH"
      if (rps != "NA" && rps > 150000) notes = notes " wrk-bound?"
      printf "%-9s %5s %9s %8s %11s %9s %8s %s\n", c, ns[j], fmt(rps, "%.0f"),
             fmt(p99 == "NA" ? "NA" : p99 / 1000, "%.2f"), fmt(cpu, "%.2f"),
             fmt(orig, "%d"), fmt(ratio(cpu, floor_cpu), "%.2fx"), notes
    }
  }
  for (j = 1; j <= nn; j++) load_ratios(s, ns[j], cs, nc)
}

function load_ratios(s, n, cs, nc,    i, c, k, rps, cpu, best_rps, best_rps_c, best_cpu,
                     best_cpu_c, r_rps, r_cpu, line, direct) {
  best_rps = "NA"; best_cpu = "NA"
  for (i = 1; i <= nc; i++) {
    c = cs[i]; if (!is_peer(c)) continue
    k = "load" SUBSEP s SUBSEP c SUBSEP n SUBSEP
    rps = med(k "rps"); cpu = med(k "cpu_us_per_req")
    if (rps != "NA" && (best_rps == "NA" || rps > best_rps)) { best_rps = rps; best_rps_c = c }
    if (cpu != "NA" && (best_cpu == "NA" || cpu < best_cpu)) { best_cpu = cpu; best_cpu_c = c }
  }
  k = "load" SUBSEP s SUBSEP "ramjet" SUBSEP n SUBSEP
  r_rps = med(k "rps"); r_cpu = med(k "cpu_us_per_req")
  line = sprintf("  c=%s: best peer req/s %s (%s), lowest peer CPU/req %s (%s)", n,
                 fmt(best_rps, "%.0f"), best_rps_c, fmt(best_cpu, "%.2f us"), best_cpu_c)
  if (r_rps == "NA") {
    line = line "; ramjet: no data (not available)"
  } else {
    line = line sprintf("; ramjet/best: req/s %s, CPU/req %s", fmt(ratio(r_rps, best_rps),
                        "%.2fx"), fmt(ratio(r_cpu, best_cpu), "%.2fx"))
    if (s ~ /^hit/) line = line sprintf(", CPU/req vs floor %s (goal <= 1.10x)",
      fmt(ratio(r_cpu, med("load" SUBSEP s SUBSEP "floor" SUBSEP n SUBSEP "cpu_us_per_req")),
          "%.2fx"))
    if (s !~ /^pass/ && maxof(k "origin_reqs") != "NA" && maxof(k "origin_reqs") > 1)
      line = line " -- NOT ALL HITS: ramjet reached the origin, so these ratios mean little"
  }
  print line
  direct = med("load" SUBSEP s SUBSEP "direct" SUBSEP n SUBSEP "rps")
  if (direct == "NA") return
  line = "        x faster than the origin alone:"
  for (i = 1; i <= nc; i++) {
    c = cs[i]; if (c == "direct") continue
    rps = med("load" SUBSEP s SUBSEP c SUBSEP n SUBSEP "rps")
    if (rps != "NA") line = line sprintf(" %s %.1fx", c, rps / direct)
  }
  print line
}

function extras(    nc, cs, i, j, k, ns, nn) {
  if (order["launch"] != "") {
    printf "\n== launch: spawn to first proxied 200 (median ms) ==\n"
    nc = split(order["launch" SUBSEP "first-response"], cs, " ")
    for (i = 1; i <= nc; i++) {
      printf "  %-9s %8s%s\n", cs[i],
        fmt(med("launch" SUBSEP "first-response" SUBSEP cs[i] SUBSEP "-" SUBSEP "launch_ms"),
            "%.0f"), cs[i] == "floor" ? "   (no proxying: reference)" : ""
    }
  }
  if (order["idle"] != "") {
    printf "\n== idle keep-alive connections: RSS growth / connections ==\n"
    printf "  %-9s %7s %12s %12s %14s %12s\n", "contender", "conns", "B/conn (*)", "B/conn all",
           "at rest KiB", "established"
    nc = split(order["idle" SUBSEP "idle-conns"], cs, " ")
    nn = split(order["idle" SUBSEP "idle-conns" SUBSEP "conns"], ns, " ")
    for (i = 1; i <= nc; i++) for (j = 1; j <= nn; j++) {
      k = "idle" SUBSEP "idle-conns" SUBSEP cs[i] SUBSEP ns[j] SUBSEP
      if (!((k "bytes_per_conn") in vals)) continue
      printf "  %-9s %7s %12s %12s %14s %12s\n", cs[i], ns[j],
             fmt(med(k "bytes_per_conn"), "%.0f"), fmt(med(k "bytes_per_conn_overall"), "%.0f"),
             fmt(med(k "rest_rss_kb"), "%.0f"), fmt(med(k "established"), "%.0f")
    }
    printf "  (*) growth while the last 9/10 open, after the first 1/10 warmed the server\n"
  }
  if (order["stampede"] != "") {
    printf "\n== stampede: origin requests across one expiry, 256 connections (1 is ideal) ==\n"
    nc = split(order["stampede" SUBSEP "expiry"], cs, " ")
    for (i = 1; i <= nc; i++) {
      k = "stampede" SUBSEP "expiry" SUBSEP cs[i] SUBSEP "256" SUBSEP
      printf "  %-9s median %6s   rounds: %s%s\n", cs[i], fmt(med(k "origin_reqs"), "%.0f"),
             vals[k "origin_reqs"], (total(k "non2xx") > 0) ? "  non-2xx=" total(k "non2xx") : ""
    }
  }
}

END {
  printf "%s", header
  n = split(order["load"], ss, " ")
  for (i = 1; i <= n; i++) load_table(ss[i])
  extras()
}
AWK
}
