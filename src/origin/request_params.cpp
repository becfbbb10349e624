#include "origin/request_params.hpp"

#include <charconv>

#include "http/chars.hpp"

namespace ramjet::origin {
namespace {

using http::chars::hex_value;

bool parse_bool(std::string_view v, bool& out) {
  if (v == "1" || v == "true" || v == "yes" || v.empty()) {
    out = true;
    return true;
  }
  if (v == "0" || v == "false" || v == "no") {
    out = false;
    return true;
  }
  return false;
}

bool parse_status(std::string_view v, int& out) {
  int status = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), status);
  if (ec != std::errc() || end != v.data() + v.size() || status < 200 || status > 599) {
    return false;
  }
  out = status;
  return true;
}

bool parse_duration_value(std::string_view v, core::Duration& out) {
  auto parsed = core::parse_duration(v);
  if (!parsed.ok()) {
    return false;
  }
  out = parsed.value();
  return true;
}

bool parse_size_value(std::string_view v, std::uint64_t& out) {
  auto parsed = core::parse_size(v);
  if (!parsed.ok()) {
    return false;
  }
  out = parsed.value();
  return true;
}

bool add_query_header(std::string_view v, ResponsePlan& plan) {
  std::string_view name;
  std::string_view value;
  if (plan.header_count >= ResponsePlan::kMaxQueryHeaders || !split_header_line(v, name, value)) {
    return false;
  }
  plan.headers[plan.header_count++] = {name, value};
  return true;
}

// Applies one decoded key=value pair; false if the value is invalid for that key.
bool apply_param(std::string_view key, std::string_view v, ResponsePlan& plan) {
  if (key == "latency") {
    return parse_duration_value(v, plan.latency);
  }
  if (key == "size") {
    return parse_size_value(v, plan.body_size);
  }
  if (key == "status") {
    return parse_status(v, plan.status);
  }
  if (key == "cc") {
    plan.cache_control = v;
    return is_field_value(v);
  }
  if (key == "chunked") {
    return parse_bool(v, plan.chunked);
  }
  if (key == "slow") {
    return parse_duration_value(v, plan.slow_body);
  }
  if (key == "reset") {
    plan.reset = true;
    return parse_size_value(v, plan.reset_after);
  }
  if (key == "etag") {
    return parse_bool(v, plan.etag);
  }
  if (key == "lm") {
    return parse_bool(v, plan.last_modified);
  }
  if (key == "vary") {
    plan.vary = v;
    return is_field_value(v);
  }
  if (key == "header") {
    return add_query_header(v, plan);
  }
  if (key == "close") {
    return parse_bool(v, plan.close);
  }
  return true;  // unknown parameters are the client's business
}

}  // namespace

ResponsePlan default_plan(const OriginOptions& options) {
  ResponsePlan plan;
  plan.status = options.status;
  plan.body_size = options.body_size;
  plan.latency = options.latency;
  plan.slow_body = options.slow_body;
  plan.reset = options.reset_after.has_value();
  plan.reset_after = options.reset_after.value_or(0);
  plan.chunked = options.chunked;
  plan.etag = options.etag;
  plan.last_modified = options.last_modified;
  plan.cache_control = options.cache_control;
  return plan;
}

std::string_view url_decode(std::string_view in, char* out, bool& ok) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out[n++] = ' ';
    } else if (c == '%') {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        return {};
      }
      out[n++] = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out[n++] = c;
    }
  }
  ok = true;
  return {out, n};
}

void apply_query(std::string_view query, std::span<char> scratch, ResponsePlan& plan) {
  std::size_t used = 0;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    bool ok = false;
    std::string_view value = url_decode(raw, scratch.data() + used, ok);
    used += value.size();
    if (!ok || !apply_param(key, value, plan)) {
      plan.error = ok ? "invalid value" : "bad percent-encoding";
      plan.error_param = key;
      return;
    }
  }
}

}  // namespace ramjet::origin
