// Field-name and token helpers declared in parser.hpp: case-insensitive comparison,
// hop-by-hop names (RFC 9110 §7.6.1), Connection options and standard reason phrases.

#include <array>

#include "http/chars.hpp"
#include "http/parser.hpp"

namespace ramjet::http {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (chars::to_lower(a[i]) != chars::to_lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool is_hop_by_hop(std::string_view name) {
  using chars::iequals_lower;
  switch (name.size()) {
    case 2:
      return iequals_lower(name, "te");
    case 7:
      return iequals_lower(name, "upgrade") || iequals_lower(name, "trailer");
    case 10:
      return iequals_lower(name, "connection") || iequals_lower(name, "keep-alive");
    case 16:
      return iequals_lower(name, "proxy-connection");
    case 17:
      return iequals_lower(name, "transfer-encoding");
    case 18:
      return iequals_lower(name, "proxy-authenticate");
    case 19:
      return iequals_lower(name, "proxy-authorization");
    default:
      return false;
  }
}

bool connection_lists(std::span<const Header> headers, std::string_view name) {
  for (const Header& header : headers) {
    if (!chars::iequals_lower(header.name, "connection")) {
      continue;
    }
    const bool absent = chars::for_each_list_element(
        header.value, [name](std::string_view token) { return !iequals(token, name); });
    if (!absent) {
      return true;
    }
  }
  return false;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "Unknown";
  }
}

}  // namespace ramjet::http
