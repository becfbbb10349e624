#include "bench/html_report.hpp"

#include <sstream>

namespace ramjet::bench {
namespace {

constexpr std::string_view kStyle = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.sub { color: #5a6272; margin-bottom: 16px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #e3e6ec; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f6f9; font-weight: 600; }
.fail { color: #b3261e; font-weight: 600; } .pass { color: #1e7b34; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
.plot { border: 1px solid #e3e6ec; border-radius: 6px; padding: 2px; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
svg text { font: 11px system-ui, sans-serif; fill: #5a6272; }
.grid { stroke: #eceff3; } .axis { stroke: #9aa1ad; }
)CSS";

// Draws from the embedded JSON; no library, no network.
constexpr std::string_view kScript = R"JS(
(function () {
  var R = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, anchor) {
    var t = el('text', {x: x, y: y, 'text-anchor': anchor || 'middle'}, parent);
    t.textContent = s;
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }
  function fmtMs(v) { return v >= 1000 ? (v / 1000).toFixed(2) + 's' : (v >= 10 ? v.toFixed(0) : v.toFixed(1)) + 'ms'; }
  // chart(id, title, series[{name, color, points:[[x,y]]}], xTicks[[x,label]], yFormat)
  function chart(id, title, series, xMax, xTicks, yFormat) {
    var W = 360, H = 270, L = 56, B = 40, T = 28, Rm = 24;
    var svg = el('svg', {id: id, width: W, height: H, viewBox: '0 0 ' + W + ' ' + H});
    var yMax = 0, n = 0;
    series.forEach(function (s) { s.points.forEach(function (p) { yMax = Math.max(yMax, p[1]); n++; }); });
    yMax = niceMax(yMax);
    var px = function (x) { return L + (W - L - Rm) * (xMax > 0 ? x / xMax : 0); };
    var py = function (y) { return H - B - (H - B - T) * (y / yMax); };
    text(svg, W / 2, 16, title);
    for (var i = 0; i <= 4; i++) {
      var y = yMax * i / 4;
      el('line', {x1: L, x2: W - Rm, y1: py(y), y2: py(y), 'class': 'grid'}, svg);
      text(svg, L - 6, py(y) + 4, yFormat(y), 'end');
    }
    xTicks.forEach(function (t) {
      el('line', {x1: px(t[0]), x2: px(t[0]), y1: T, y2: H - B, 'class': 'grid'}, svg);
      text(svg, px(t[0]), H - B + 16, t[1]);
    });
    el('line', {x1: L, x2: W - Rm, y1: H - B, y2: H - B, 'class': 'axis'}, svg);
    el('line', {x1: L, x2: L, y1: T, y2: H - B, 'class': 'axis'}, svg);
    series.forEach(function (s, k) {
      if (!s.points.length) return;
      var d = s.points.map(function (p, j) {
        return (j ? 'L' : 'M') + px(p[0]).toFixed(1) + ' ' + py(p[1]).toFixed(1);
      }).join(' ');
      el('path', {d: d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'class': 'series'}, svg);
      el('rect', {x: L + k * 96, y: H - 14, width: 10, height: 10, fill: s.color}, svg);
      text(svg, L + 14 + k * 96, H - 5, s.name, 'start');
    });
    svg.setAttribute('data-points', n);
    var box = document.createElement('div');
    box.className = 'plot';
    box.appendChild(svg);
    document.getElementById('plots').appendChild(box);
  }

  // Latency by percentile: x is the number of nines, -log10(1 - p), capped at 5 (99.999%).
  var buckets = R.histogram.buckets, total = 0;
  buckets.forEach(function (b) { total += b[2]; });
  var curve = [], seen = 0, maxNines = 1;
  buckets.forEach(function (b) {
    seen += b[2];
    var p = seen / total;
    var nines = p >= 1 ? 5 : Math.min(5, -Math.log10(1 - p));
    var ms = (b[0] + (b[1] - b[0]) / 2) / 1e6;
    if (!curve.length) curve.push([0, b[0] / 1e6]);
    curve.push([nines, ms]);
    maxNines = Math.max(maxNines, Math.ceil(nines));
  });
  maxNines = Math.min(5, Math.max(2, maxNines));
  var nineTicks = [[0, '0%'], [1, '90%'], [2, '99%'], [3, '99.9%'], [4, '99.99%'], [5, '99.999%']]
      .slice(0, maxNines + 1);
  chart('percentiles', 'Latency by percentile', [{name: 'latency', color: '#2d6cdf', points: curve}],
        maxNines, nineTicks, fmtMs);

  var pts = R.timeline.points, tMax = 0;
  pts.forEach(function (p) { tMax = Math.max(tMax, p.t_s + R.timeline.interval_ms / 1000); });
  var tTicks = [];
  for (var i = 0; i <= 5; i++) tTicks.push([tMax * i / 5, (tMax * i / 5).toFixed(1) + 's']);
  var mid = R.timeline.interval_ms / 2000;
  var answered = pts.filter(function (p) { return p.responses > 0; });
  chart('throughput', 'Throughput over time (responses/s)', [
    {name: 'responses/s', color: '#1e7b34', points: pts.map(function (p) { return [p.t_s + mid, p.rps]; })},
    {name: 'errors', color: '#b3261e', points: pts.map(function (p) { return [p.t_s + mid, p.errors / (R.timeline.interval_ms / 1000)]; })}
  ], tMax, tTicks, function (v) { return v >= 1000 ? (v / 1000).toFixed(1) + 'k' : v.toFixed(0); });
  chart('latency-timeline', 'Latency over time', [
    {name: 'p50', color: '#2d6cdf', points: answered.map(function (p) { return [p.t_s + mid, p.p50_ms]; })},
    {name: 'p99', color: '#e08a00', points: answered.map(function (p) { return [p.t_s + mid, p.p99_ms]; })},
    {name: 'max', color: '#b3261e', points: answered.map(function (p) { return [p.t_s + mid, p.max_ms]; })}
  ], tMax, tTicks, fmtMs);
  document.body.setAttribute('data-rendered', 'yes');
})();
)JS";

std::string ms(const Json& v) {
  return v.is_number() ? format_metric(v.get<double>(), MetricUnit::kMilliseconds) : "-";
}

void latency_table(std::ostringstream& out, const Json& r) {
  out << "<table id=\"latency\"><tr><th>latency</th><th>count</th><th>avg</th><th>stdev</th>"
         "<th>min</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th>"
         "<th>max</th></tr>\n";
  const std::pair<const char*, const char*> rows[] = {{"all", "latency"},
                                                      {"warm", "latency_warm"},
                                                      {"first on connection", "latency_first"},
                                                      {"time to first byte", "ttfb"},
                                                      {"connect", "connect"}};
  for (const auto& [label, key] : rows) {
    const Json& h = r[key];
    out << "<tr><td>" << label << "</td><td>" << h["count"].get<std::uint64_t>() << "</td>";
    for (const char* k : {"avg_ms", "stdev_ms", "min_ms", "p50_ms", "p90_ms", "p95_ms",
                          "p99_ms", "p999_ms", "max_ms"}) {
      out << "<td>" << ms(h[k]) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n";
}

void facts_table(std::ostringstream& out, const Json& r) {
  const Json& q = r["requests"];
  const Json& t = r["throughput"];
  auto row = [&out](const std::string& k, const std::string& v) {
    out << "<tr><td>" << html_escape(k) << "</td><td>" << html_escape(v) << "</td></tr>\n";
  };
  out << "<table id=\"facts\">\n";
  row("responses", std::to_string(q["responses"].get<std::uint64_t>()));
  row("throughput", format_metric(t["rps"].get<double>(), MetricUnit::kPerSecond));
  row("success rate", format_metric(q["success_rate"].get<double>(), MetricUnit::kFraction));
  row("errors", std::to_string(q["errors"].get<std::uint64_t>()));
  for (const auto& [kind, n] : r["errors"].items()) {
    if (n.get<std::uint64_t>() > 0) {
      row("  " + kind + " errors", std::to_string(n.get<std::uint64_t>()));
    }
  }
  for (const auto& [code, n] : r["status_codes"].items()) {
    row("status " + code, std::to_string(n.get<std::uint64_t>()));
  }
  row("cold start rate (slower than " + ms(r["cold_start"]["threshold_ms"]) + ")",
      format_metric(r["cold_start"]["rate"].get<double>(), MetricUnit::kFraction));
  row("missing header rate", format_metric(r["expectations"]["missing_header_rate"].get<double>(),
                                           MetricUnit::kFraction));
  if (r["rate"]["target_rps"].is_number()) {
    row("target rate", format_metric(r["rate"]["target_rps"].get<double>(),
                                     MetricUnit::kPerSecond) +
                           (r["rate"]["reached"].get<bool>() ? " (reached)" : " (NOT reached)"));
  }
  out << "</table>\n";
}

void thresholds_table(std::ostringstream& out, const Json& r) {
  if (r["thresholds"].empty()) {
    return;
  }
  out << "<table id=\"thresholds\"><tr><th>threshold</th><th>measured"
         "</th><th>result</th></tr>\n";
  for (const Json& t : r["thresholds"]) {
    bool passed = t["passed"].get<bool>();
    std::string measured = "n/a";
    auto info = find_metric(t["metric"].get<std::string>());
    if (t["measured"].is_number() && info) {
      measured = format_metric(t["measured"].get<double>(), info->unit);
    }
    out << "<tr><td>" << html_escape(t["expression"].get<std::string>()) << "</td><td>"
        << html_escape(measured) << "</td><td class=\"" << (passed ? "pass" : "fail") << "\">"
        << (passed ? "PASS" : "FAIL") << "</td></tr>\n";
  }
  out << "</table>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_html(const Json& report) {
  std::string data = report.dump(-1, ' ', false, Json::error_handler_t::replace);
  // Inside <script>, "</" could end the element early: JSON allows "<\/" for it.
  std::string safe;
  safe.reserve(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    safe += data[i];
    if (data[i] == '<' && i + 1 < data.size() && data[i + 1] == '/') {
      safe += '\\';
    }
  }
  const Json& c = report["config"];
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<title>ramjet bench: " << html_escape(report["target"]["url"].get<std::string>())
      << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  out << "<h1>ramjet bench: " << html_escape(report["target"]["url"].get<std::string>())
      << "</h1>\n<div class=\"sub\">" << html_escape(report["started_at"].get<std::string>())
      << " &middot; " << c["connections"].get<std::uint64_t>() << " connections, "
      << c["threads"].get<std::uint64_t>()
      << (c["threads"].get<std::uint64_t>() == 1 ? " thread, " : " threads, ")
      << (c["rate"].is_number() ? "open loop" : "closed loop") << ", "
      << html_escape(report["command"].get<std::string>()) << "</div>\n";
  out << "<div class=\"row\">";
  facts_table(out, report);
  thresholds_table(out, report);
  out << "</div>\n<div class=\"plots\" id=\"plots\"></div>\n"
      << "<noscript>The plots need JavaScript; the tables hold every figure.</noscript>\n";
  latency_table(out, report);
  out
      << "<script type=\"application/json\" id=\"report-data\">" << safe << "</script>\n"
      << "<script>" << kScript << "</script>\n</body></html>\n";
  return out.str();
}

}  // namespace ramjet::bench
