#pragma once
// RequestView: what the cache reads of a downstream request, as views. The proxy builds one
// from its parsed RequestHead (from()) for the duration of one exchange.
//
// Ownership: every view points into the caller's buffers (the request head buffer and, for
// body-keyed routes, the buffered request body), which must outlive the RequestView and any
// call it is passed to. Nothing here allocates.

#include <span>
#include <string_view>

#include "http/parser.hpp"

namespace ramjet::cache {

struct RequestView {
  http::Method method = http::Method::kGet;
  std::string_view scheme = "http";  // "http" or "https": how the client reached us
  std::string_view host;             // Host header (or absolute-form authority), as received
  std::string_view path;             // without the query
  std::string_view query;            // without '?'; empty if none
  std::span<const http::Header> headers;
  // The complete request body, for routes that key POST/QUERY on it; empty otherwise.
  std::string_view body;

  // Views into `head` (and `body`); `scheme` must be a literal or outlive the view.
  static RequestView from(const http::RequestHead& head, std::string_view scheme,
                          std::string_view body = {}) {
    RequestView v;
    v.method = head.method_id;
    v.scheme = scheme;
    v.host = head.host;
    v.path = head.path;
    v.query = head.query;
    v.headers = std::span<const http::Header>(head.headers.data(), head.headers.size());
    v.body = body;
    return v;
  }

  // The value of the first header named `name` (case-insensitive); empty if absent.
  std::string_view header(std::string_view name) const {
    for (const http::Header& h : headers) {
      if (http::iequals(h.name, name)) {
        return h.value;
      }
    }
    return {};
  }

  bool has_header(std::string_view name) const {
    for (const http::Header& h : headers) {
      if (http::iequals(h.name, name)) {
        return true;
      }
    }
    return false;
  }
};

}  // namespace ramjet::cache
