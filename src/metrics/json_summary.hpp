#pragma once
// JSON summary of one latency histogram, for /stats and the `ramjet bench` report.
//
// Shape (one object, no whitespace; every time in milliseconds, rounded to the microsecond):
//   {"count":N,"avg_ms":..,"stdev_ms":..,"min_ms":..,"max_ms":..,"p50_ms":..,"p90_ms":..,
//    "p95_ms":..,"p99_ms":..,"p999_ms":..}
// An empty histogram gives count 0 and zeros. Precision is the histogram's (histogram.hpp).
//
// Threading: a pure function of its argument (which may be a live histogram another thread
// records into: see histogram.hpp on snapshots). Appends to the caller's string.

#include <string>

#include "metrics/histogram.hpp"

namespace ramjet::metrics {

void append_json_summary(std::string& out, const Histogram& h);

}  // namespace ramjet::metrics
