#include "admin/cache_explain.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "http/chars.hpp"
#include "proxy/server.hpp"

namespace ramjet::admin {
namespace {

using Json = nlohmann::ordered_json;

// application/x-www-form-urlencoded value: %XX escapes and '+' for a space.
core::Result<std::string> percent_decode(std::string_view in, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] != '%') {
      out.push_back(in[i]);
    } else if (i + 2 < in.size() && http::chars::hex_value(in[i + 1]) >= 0 && http::chars::hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(http::chars::hex_value(in[i + 1]) * 16 + http::chars::hex_value(in[i + 2])));
      i += 2;
    } else {
      return core::Error{"bad percent-encoding", "in " + std::string(what)};
    }
  }
  return out;
}

// Adds one decoded parameter to `out`; `seen_*` catch repeats of the single-valued ones.
core::Result<bool> add_parameter(std::string_view name, std::string value,
                                 proxy::ExplainRequest& out, bool& seen_url, bool& seen_method) {
  if (name == "url" || name == "method") {
    bool& seen = name == "url" ? seen_url : seen_method;
    if (seen) {
      return core::Error{"repeated parameter", std::string(name) + " is given twice"};
    }
    seen = true;
    (name == "url" ? out.url : out.method) = std::move(value);
    return true;
  }
  if (name == "header") {
    const std::size_t colon = value.find(':');
    if (colon == std::string::npos) {
      return core::Error{"bad header", "give header=Name: value, got '" + value + "'"};
    }
    out.headers.emplace_back(value.substr(0, colon),
                             std::string(http::chars::trim_ows(std::string_view(value).substr(colon + 1))));
    return true;
  }
  return core::Error{"unknown parameter",
                     "'" + std::string(name) + "'; the parameters are url, method and header"};
}

// The JSON of a stored response as explain shows it.
Json entry_json(const proxy::CacheExplanation& e) {
  const cache::CachedResponse& r = *e.front.entry;
  const cache::FreshnessInfo& f = r.freshness();
  auto text_or_null = [](std::string_view s) { return s.empty() ? Json(nullptr) : Json(s); };
  auto whole_seconds = [](core::Duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
  };
  const std::time_t stored = std::chrono::system_clock::to_time_t(f.response_time);
  std::tm tm{};
  char stored_at[32] = "";
  if (gmtime_r(&stored, &tm) != nullptr) {
    std::strftime(stored_at, sizeof stored_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  return Json{{"status", r.status()},
              {"bytes", r.body().size()},
              {"age_s", e.age_s},
              {"ttl_left_s", e.ttl_left_s},
              {"fresh", e.fresh},
              {"lifetime_s", whole_seconds(f.lifetime)},
              {"lifetime_source", cache::to_string(f.source)},
              {"stored_at", stored_at},
              {"etag", text_or_null(r.etag())},
              {"last_modified", text_or_null(r.last_modified())},
              {"vary", text_or_null(r.vary())},
              {"stale_while_revalidate_s", whole_seconds(f.stale_while_revalidate)},
              {"stale_if_error_s", whole_seconds(f.stale_if_error)},
              {"must_revalidate", f.must_revalidate},
              {"no_cache", f.no_cache}};
}

AdminResponse json_answer(int status, const Json& body) {
  return AdminResponse{status, "application/json",
                       body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n", {}};
}

AdminResponse bad_request(const core::Error& error) {
  return json_answer(400, Json{{"error", "Bad Request"}, {"detail", error.to_string()}});
}

}  // namespace

core::Result<proxy::ExplainRequest> parse_explain_query(std::string_view query,
                                                        std::string_view body) {
  proxy::ExplainRequest out;
  bool seen_url = false;
  bool seen_method = false;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (param.empty()) {
      continue;
    }
    const std::size_t eq = param.find('=');
    auto name = percent_decode(param.substr(0, eq), "a parameter name");
    if (!name.ok()) {
      return name.error();
    }
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view()
                                                             : param.substr(eq + 1),
                                name.value());
    if (!value.ok()) {
      return value.error();
    }
    auto added = add_parameter(name.value(), std::move(value.value()), out, seen_url,
                               seen_method);
    if (!added.ok()) {
      return added.error();
    }
  }
  if (!seen_url || out.url.empty()) {
    return core::Error{"missing url",
                       "give url=<path?query> or url=<http://host/path?query>, percent-encoded"};
  }
  out.body = std::string(body);
  return out;
}

std::string explanation_json(const proxy::ExplainRequest& request,
                             const proxy::CacheExplanation& e) {
  auto null_if_empty = [](const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); };
  const bool rejected = e.action == proxy::ExplainAction::kReject;
  Json body = {{"url", request.url},
               {"method", e.method},
               {"host", e.host},
               {"route", null_if_empty(e.route)},
               {"cacheable", e.route_caches && e.front.keyed},
               {"shadow", e.shadow},
               {"key", null_if_empty(e.key)},
               {"verdict", rejected ? Json(nullptr) : Json(proxy::to_string(e.front.label))},
               {"would", proxy::to_string(e.action)}};
  if (rejected) {
    body["status"] = e.reject_status;
  }
  if (e.shadow) {
    body["would_if_live"] = proxy::to_string(e.live_action);
  }
  body["reason"] = e.reason;
  body["fwd"] = e.front.fwd;
  body["detail"] = e.front.detail;
  if (!e.canonical_body.empty()) {
    body["canonical_body"] = e.canonical_body;
  }
  body["variants"] = e.variants;
  body["entry"] = e.front.entry ? entry_json(e) : Json(nullptr);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::function<AdminResponse(const AdminRequest&)> cache_explain_hook(
    const proxy::Server& server, const core::Clock& clock) {
  return [&server, &clock](const AdminRequest& request) {
    auto parsed = parse_explain_query(request.query, request.body);
    if (!parsed.ok()) {
      return bad_request(parsed.error());
    }
    auto explained = proxy::explain_request(server, parsed.value(), clock.now());
    if (!explained.ok()) {
      return bad_request(explained.error());
    }
    AdminResponse r;
    r.body = explanation_json(parsed.value(), explained.value());
    return r;
  };
}

}  // namespace ramjet::admin
