// Primary and secondary (Vary) key construction; format and normalisation in key.hpp.

#include "cache/key.hpp"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <vector>

#include "cache/glob.hpp"
#include "http/chars.hpp"

namespace ramjet::cache {
namespace {

using http::chars::hex_value;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }

bool is_unreserved(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

void append_path(std::string_view path, std::string& out) {
  if (path.empty()) {
    out.push_back('/');
    return;
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
        hex_value(path[i + 2]) >= 0) {
      const int v = hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]);
      if (is_unreserved(v)) {
        out.push_back(static_cast<char>(v));
      } else {
        out.push_back('%');
        out.push_back(upper(path[i + 1]));
        out.push_back(upper(path[i + 2]));
      }
      i += 2;
    } else {
      out.push_back(c);
    }
  }
}

std::string_view param_name(std::string_view param) {
  return param.substr(0, param.find('='));
}

bool dropped(std::string_view param, const KeyOptions& options) {
  const std::string_view name = param_name(param);
  return std::any_of(options.drop_query.begin(), options.drop_query.end(),
                     [name](const std::string& pattern) { return glob_match(pattern, name); });
}

void append_query(std::string_view query, const KeyOptions& options, std::string& out) {
  if (!options.sort_query && options.drop_query.empty()) {
    if (!query.empty()) {
      out.push_back('?');
      out.append(query);
    }
    return;
  }
  std::vector<std::string_view> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (!param.empty() && !dropped(param, options)) {
      params.push_back(param);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  if (options.sort_query) {
    std::stable_sort(params.begin(), params.end(), [](std::string_view a, std::string_view b) {
      return param_name(a) < param_name(b);
    });
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    out.push_back(i == 0 ? '?' : '&');
    out.append(params[i]);
  }
}

bool case_insensitive_field(std::string_view name) {
  return name == "accept" || name == "accept-charset" || name == "accept-encoding" ||
         name == "accept-language";
}

// One list element: trimmed, whitespace runs collapsed, none around ';' and '='.
void append_element(std::string_view element, bool fold_case, std::string& out) {
  bool pending_space = false;
  for (const char c : element) {
    if (is_ows(c)) {
      pending_space = true;
      continue;
    }
    if (c == ';' || c == '=') {
      pending_space = false;
    } else if (pending_space && !out.empty() && out.back() != ';' && out.back() != '=' &&
               out.back() != ',') {
      out.push_back(' ');
    }
    pending_space = false;
    out.push_back(fold_case ? lower(c) : c);
  }
}

// Sorts the ','-separated elements written at out[start..] (Accept-Encoding). Lists longer
// than the fixed buffer stay in received order: still a deterministic key, just fewer hits.
void sort_elements(std::string& out, std::size_t start) {
  std::array<std::string_view, 32> parts{};
  std::size_t count = 0;
  std::string_view rest = std::string_view(out).substr(start);
  while (!rest.empty()) {
    if (count == parts.size()) {
      return;
    }
    const std::size_t comma = rest.find(',');
    parts[count++] = rest.substr(0, comma);
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  std::sort(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(count));
  std::string sorted;
  sorted.reserve(out.size() - start);
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) {
      sorted.push_back(',');
    }
    sorted.append(parts[i]);
  }
  out.resize(start);
  out.append(sorted);
}

const char* method_name(http::Method method) {
  return method == http::Method::kQuery ? "QUERY" : "POST";
}

void append_hash128(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  for (const std::uint64_t word : {h.high64, h.low64}) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      out.push_back(kHex[(word >> shift) & 0xF]);
    }
  }
}

}  // namespace

std::uint64_t hash_bytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

void CacheKey::rehash() {
  url_hash = hash_bytes(url());
  hash = url_size == bytes.size() ? url_hash : hash_bytes(bytes);
}

const char* to_string(KeyError error) {
  switch (error) {
    case KeyError::kNone: return "ok";
    case KeyError::kBodyTooLarge: return "body-too-large";
    case KeyError::kBadJson: return "invalid-json";
    case KeyError::kBodyNotKeyed: return "body-not-keyed";
  }
  return "key-error";
}

void append_url_key(std::string_view scheme, std::string_view host, std::string_view path,
                    std::string_view query, const KeyOptions& options, std::string& out) {
  // Written through a pointer into room sized for the worst case (normalisation only ever
  // shortens): this runs on every cacheable request, and per-character push_back cost more
  // than the rest of the lookup.
  const std::size_t start = out.size();
  out.resize(start + scheme.size() + 3 + host.size() + path.size() + 1);
  char* p = out.data() + start;
  for (const char c : scheme) {
    *p++ = lower(c);
  }
  p = std::copy_n("://", 3, p);
  if ((scheme == "http" && host.ends_with(":80")) ||
      (scheme == "https" && host.ends_with(":443"))) {
    host.remove_suffix(scheme == "http" ? 3 : 4);
  }
  for (const char c : host) {
    *p++ = lower(c);
  }
  if (path.empty()) {
    *p++ = '/';
  } else if (path.find('%') == std::string_view::npos) {
    p = std::copy(path.begin(), path.end(), p);
  } else {
    out.resize(static_cast<std::size_t>(p - out.data()));
    append_path(path, out);
    p = out.data() + out.size();
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  append_query(query, options, out);
}

bool url_key_from_target(std::string_view target, std::string_view scheme,
                         std::string_view host, const KeyOptions& options, std::string& out) {
  const std::size_t colon = target.find("://");
  if (colon != std::string_view::npos && colon > 0 && target.front() != '/') {
    scheme = target.substr(0, colon);
    if (!http::iequals(scheme, "http") && !http::iequals(scheme, "https")) {
      return false;
    }
    scheme = http::iequals(scheme, "http") ? std::string_view("http") : std::string_view("https");
    target.remove_prefix(colon + 3);
    const std::size_t slash = target.find_first_of("/?#");
    host = target.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
  } else if (target.empty() || target.front() != '/' || target.starts_with("//")) {
    return false;
  }
  target = target.substr(0, target.find('#'));
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view()
                                                             : target.substr(q + 1);
  append_url_key(scheme, host, path, query, options, out);
  return true;
}

KeyError build_key(const RequestView& request, const KeyOptions& options, CacheKey& out) {
  out.bytes.clear();
  out.canonical_body.clear();
  out.json_error = JsonError::kNone;
  append_url_key(request.scheme, request.host, request.path, request.query, options, out.bytes);
  out.url_size = out.bytes.size();
  std::string value;
  for (const std::string& name : options.include_headers) {
    out.bytes.push_back(kKeySeparator);
    out.bytes.push_back('H');
    out.bytes.append(name);
    if (normalized_field_value(name, request.headers, value)) {
      out.bytes.push_back(':');
      out.bytes.append(value);
    }
  }
  if (request.method == http::Method::kPost || request.method == http::Method::kQuery) {
    if (options.body == BodyKey::kNone) {
      return KeyError::kBodyNotKeyed;
    }
    if (request.body.size() > options.max_body_bytes) {
      return KeyError::kBodyTooLarge;
    }
    out.bytes.push_back(kKeySeparator);
    out.bytes.push_back('M');
    out.bytes.append(method_name(request.method));
    out.bytes.push_back(kKeySeparator);
    out.bytes.push_back('B');
    if (options.body == BodyKey::kJson) {
      out.json_error = canonicalize_json(request.body, out.canonical_body);
      if (out.json_error != JsonError::kNone) {
        return KeyError::kBadJson;
      }
      append_hash128(out.canonical_body, out.bytes);
    } else {
      append_hash128(request.body, out.bytes);
    }
  }
  out.rehash();
  return KeyError::kNone;
}

bool normalize_vary(std::span<const http::Header> response_headers, std::string& out) {
  out.clear();
  std::vector<std::string> names;
  bool star = false;
  for (const http::Header& h : response_headers) {
    if (!http::iequals(h.name, "vary")) {
      continue;
    }
    std::string_view list = h.value;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      std::string_view name = list.substr(0, comma);
      while (!name.empty() && is_ows(name.front())) {
        name.remove_prefix(1);
      }
      while (!name.empty() && is_ows(name.back())) {
        name.remove_suffix(1);
      }
      if (name == "*") {
        star = true;
      } else if (!name.empty()) {
        std::string lowered(name);
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), lower);
        names.push_back(std::move(lowered));
      }
      if (comma == std::string_view::npos) {
        break;
      }
      list.remove_prefix(comma + 1);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) {
      out.push_back(',');
    }
    out.append(names[i]);
  }
  return !star;
}

bool normalized_field_value(std::string_view name, std::span<const http::Header> headers,
                            std::string& out) {
  out.clear();
  const bool fold_case = case_insensitive_field(name);
  bool found = false;
  for (const http::Header& h : headers) {
    if (!http::iequals(h.name, name)) {
      continue;
    }
    found = true;
    std::string_view list = h.value;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::size_t before = out.size();
      if (!out.empty()) {
        out.push_back(',');
      }
      const std::size_t element_start = out.size();
      append_element(list.substr(0, comma), fold_case, out);
      if (out.size() == element_start) {
        out.resize(before);  // empty element
      }
      if (comma == std::string_view::npos) {
        break;
      }
      list.remove_prefix(comma + 1);
    }
  }
  if (found && name == "accept-encoding") {
    sort_elements(out, 0);
  }
  return found;
}

void build_variant_key(std::string_view vary_names, std::span<const http::Header> request_headers,
                       std::string& out) {
  out.clear();
  std::string value;
  bool first = true;
  while (!vary_names.empty()) {
    const std::size_t comma = vary_names.find(',');
    const std::string_view name = vary_names.substr(0, comma);
    if (!first) {
      out.push_back(kKeySeparator);
    }
    first = false;
    out.append(name);
    if (normalized_field_value(name, request_headers, value)) {
      out.push_back('=');
      out.append(value);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    vary_names.remove_prefix(comma + 1);
  }
}

std::string printable_key(std::string_view key_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key_bytes.size() + 16);
  for (const char c : key_bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == kKeySeparator) {
      out.append(" | ");
    } else if (u < 0x20 || u == 0x7F) {
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace ramjet::cache
