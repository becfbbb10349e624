#pragma once
// --html FILE: one self-contained page a person opens in a browser. No network, no external
// script or font: the report's JSON is embedded, a short inline script draws the plots as
// SVG (latency by percentile on a "nines" axis, throughput and latency over time), and the
// summary table is plain HTML so the figures read even with scripts off.
//
// Once drawn, each plot's <svg> carries data-points="N" and <body> data-rendered="yes", which
// is what the headless-browser check (scripts/check-html-report) looks for.

#include <string>

#include "bench/report.hpp"

namespace ramjet::bench {

std::string render_html(const Json& report);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

}  // namespace ramjet::bench
