// ramjet dashboard: polls /stats once a second and draws with plain canvas. No libraries,
// no network access beyond this admin listener, so it works offline.
"use strict";

const POLL_MS = 1000;
const css = getComputedStyle(document.documentElement);
const color = (name) => css.getPropertyValue(name).trim();
const $ = (id) => document.getElementById(id);

function fmtNumber(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + "k";
  return v.toFixed(digits);
}
function fmtMs(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v >= 1000) return (v / 1000).toFixed(2) + " s";
  if (v >= 100) return v.toFixed(0) + " ms";
  if (v >= 10) return v.toFixed(1) + " ms";
  return v.toFixed(2) + " ms";
}
function fmtPct(r, digits = 1) {
  return r === null || r === undefined ? "–" : (r * 100).toFixed(digits) + "%";
}
function fmtBytes(b) {
  if (b === null || b === undefined) return "–";
  if (b >= 1 << 30) return (b / (1 << 30)).toFixed(2) + " GiB";
  if (b >= 1 << 20) return (b / (1 << 20)).toFixed(1) + " MiB";
  return (b / 1024).toFixed(0) + " KiB";
}
function fmtUptime(s) {
  if (s < 120) return s.toFixed(0) + " s";
  if (s < 7200) return (s / 60).toFixed(0) + " min";
  return (s / 3600).toFixed(1) + " h";
}
function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}
function setValue(kpi, text) {
  const el = $(kpi).querySelector(".value");
  if (el.textContent !== text) el.textContent = text;
}

// One chart: several series over shared timestamps; `stacked` stacks them as areas.
function drawChart(canvas, t, series, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const left = 46, right = 8, top = 6, bottom = 18;
  const pw = w - left - right, ph = h - top - bottom;
  const n = t.length;
  const stackedValues = [];
  let max = 0;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (const s of series) {
      const v = s.values[i];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      acc = opts.stacked ? acc + v : Math.max(acc, v);
    }
    stackedValues.push(acc);
    max = Math.max(max, acc);
  }
  max = max > 0 ? niceCeil(max) : 1;
  // grid and labels
  ctx.strokeStyle = color("--line");
  ctx.fillStyle = color("--muted");
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  for (let g = 0; g <= 4; g++) {
    const y = top + ph - (ph * g) / 4;
    ctx.beginPath();
    ctx.moveTo(left, y + 0.5);
    ctx.lineTo(left + pw, y + 0.5);
    ctx.stroke();
    ctx.textAlign = "right";
    const tick = (max * g) / 4;
    ctx.fillText(fmtNumber(tick, Number.isInteger(tick) ? 0 : 1), left - 6, y + 4);
  }
  if (n > 1) {
    const span = (t[n - 1] - t[0]) / 1000;
    ctx.textAlign = "left";
    ctx.fillText("-" + fmtUptime(span), left, h - 4);
    ctx.textAlign = "right";
    ctx.fillText("now", left + pw, h - 4);
  }
  if (n === 0) return;
  const x = (i) => left + (n === 1 ? pw : (pw * i) / (n - 1));
  const y = (v) => top + ph - (ph * v) / max;
  const base = new Array(n).fill(0);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.6;
    if (opts.stacked) {
      ctx.fillStyle = s.color + "99";
      ctx.beginPath();
      for (let i = 0; i < n; i++) ctx.lineTo(x(i), y(base[i] + (s.values[i] || 0)));
      for (let i = n - 1; i >= 0; i--) ctx.lineTo(x(i), y(base[i]));
      ctx.closePath();
      ctx.fill();
      for (let i = 0; i < n; i++) base[i] += s.values[i] || 0;
      continue;
    }
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      if (v === null || v === undefined || Number.isNaN(v)) { pen = false; continue; }
      if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      pen = true;
    }
    ctx.stroke();
  }
}
function niceCeil(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c.cls) td.className = c.cls;
    if (c.html) td.innerHTML = c.html; else td.textContent = c.text;
    tr.appendChild(td);
  }
  return tr;
}
function fillTable(id, rows) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren(...rows);
}

function render(s) {
  setText("version", "v" + s.version + " · up " + fmtUptime(s.process.uptime_s) +
          " · " + s.process.workers + " workers");
  const ready = $("ready");
  ready.textContent = s.draining ? "draining" : s.ready ? "ready" : "not ready";
  ready.className = "badge " + (s.ready && !s.draining ? "ok" : "bad");
  setText("updated", "updated " + new Date().toLocaleTimeString());

  const series = s.series;
  const last = series.requests_per_s.length - 1;
  const w = s.latency_window;
  setValue("kpi-rps", fmtNumber(last >= 0 ? series.requests_per_s[last] : 0, 1));
  setText("kpi-total", fmtNumber(s.requests.total) + " total");
  let ok = 0, all = 0;
  for (const r of s.routes) {
    const win = r.window;
    if (win) all += win.count;
  }
  const sums = { failed: 0, total: 0 };
  for (let i = Math.max(0, last - 59); i <= last; i++) {
    for (const k of ["1xx", "2xx", "3xx", "4xx", "5xx"]) {
      sums.total += series.responses_per_s[k][i];
    }
    sums.failed += series.responses_per_s["5xx"][i];
  }
  ok = sums.total > 0 ? (sums.total - sums.failed) / sums.total : null;
  setValue("kpi-success", fmtPct(ok, 2));
  setValue("kpi-p50", w.count ? fmtMs(w.p50_ms) : "–");
  setValue("kpi-p95", w.count ? fmtMs(w.p95_ms) : "–");
  setValue("kpi-p99", w.count ? fmtMs(w.p99_ms) : "–");
  setText("kpi-avg", w.count ? "avg " + fmtMs(w.avg_ms) : "no traffic");
  setText("kpi-max", w.count ? "max " + fmtMs(w.max_ms) + " · " + fmtNumber(all) + " req" : "–");
  setValue("kpi-conn", fmtNumber(s.connections.open));
  setText("kpi-inflight", s.connections.active + " active · " + s.connections.idle + " idle");
  let hits = 0, opened = 0;
  for (const u of s.upstreams) { hits += u.pool.hits; opened += u.pool.opened; }
  setValue("kpi-reuse", hits + opened ? fmtPct(hits / (hits + opened)) : "–");
  if (s.cache.enabled) {
    setValue("kpi-cache", fmtPct(s.cache.hit_ratio));
    setText("kpi-cache-sub", fmtNumber(s.cache.entries) + " entries · " + fmtBytes(s.cache.bytes));
  } else {
    setValue("kpi-cache", "n/a");
    setText("kpi-cache-sub", "no cache configured");
  }
  setValue("kpi-rss", fmtBytes(s.process.rss_bytes));
  setText("kpi-peak", "peak " + fmtBytes(s.process.peak_rss_bytes));

  const t = series.t;
  drawChart($("chart-rps"), t, [{ values: series.requests_per_s, color: color("--rps") }]);
  drawChart($("chart-latency"), t, [
    { values: series.p50_ms, color: color("--p50") },
    { values: series.p95_ms, color: color("--p95") },
    { values: series.p99_ms, color: color("--p99") },
  ]);
  drawChart($("chart-status"), t, ["2xx", "3xx", "4xx", "5xx"].map((k) => ({
    values: series.responses_per_s[k], color: color("--s" + k) })), { stacked: true });
  drawChart($("chart-memory"), t, [{
    values: series.rss_bytes.map((b) => b / (1 << 20)), color: color("--mem") }]);

  fillTable("routes", s.routes.map((r) => {
    const win = r.window || {};
    const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
    return row([
      { text: r.name + (r.configured ? "" : " (removed)") }, { text: r.upstream || "–" },
      { text: fmtNumber(r.requests), cls: "n" }, { text: fmtNumber(win.requests_per_s, 1), cls: "n" },
      { text: fmtPct(r.success_rate, 2), cls: "n" },
      { text: win.count ? fmtMs(win.p50_ms) : "–", cls: "n" },
      { text: win.count ? fmtMs(win.p95_ms) : "–", cls: "n" },
      { text: win.count ? fmtMs(win.p99_ms) : "–", cls: "n" },
      { text: String(r.in_flight), cls: "n" }, { text: fmtNumber(errors), cls: "n" },
    ]);
  }));
  fillTable("upstreams", s.upstreams.map((u) => row([
    { html: '<span class="dot ' + (u.healthy ? "ok" : "bad") + '" title="' +
            (u.healthy ? "healthy" : "failing") + '"></span>' },
    { text: u.name }, { text: u.endpoints.join(", ") },
    { text: fmtNumber(u.requests), cls: "n" }, { text: String(u.pool.open), cls: "n" },
    { text: String(u.pool.idle), cls: "n" }, { text: fmtPct(u.pool.reuse_ratio), cls: "n" },
    { text: fmtNumber(u.failures.connect), cls: "n" }, { text: fmtNumber(u.failures.timeout), cls: "n" },
  ])));
  setText("breakers", s.breakers.length === 0 ? "No circuit breakers configured." :
          s.breakers.map((b) => b.name + ": " + b.state).join(" · "));
  setText("cache", s.cache.enabled ? fmtNumber(s.cache.hits) + " hits · " +
          fmtNumber(s.cache.misses) + " misses · " + fmtNumber(s.cache.stale) + " stale · " +
          fmtNumber(s.cache.evictions) + " evictions" : "No response cache in this build.");
}

let failures = 0;
async function poll() {
  try {
    const res = await fetch("/stats", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    render(await res.json());
    failures = 0;
  } catch (e) {
    failures++;
    setText("updated", "cannot reach /stats (" + e.message + ")");
    $("ready").className = "badge bad";
  }
  setTimeout(poll, failures > 5 ? POLL_MS * 5 : POLL_MS);
}
poll();
