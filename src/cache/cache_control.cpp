// Cache-Control tokenizer and the two directive tables (response, request). See
// cache_control.hpp for the tolerance rules.

#include "cache/cache_control.hpp"

#include "http/parser.hpp"

namespace ramjet::cache {
namespace {

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// One directive as the tokenizer found it.
struct Directive {
  std::string_view name;
  std::string_view value;   // token, or the inside of a quoted string (escapes not undone)
  bool has_value = false;   // '=' was present
  bool well_formed = true;  // value complete, no escapes, nothing stray before the comma
  std::string_view target;  // Surrogate-Control only: the device after ';' ("max-age=5;edge")
};

// Splits a Cache-Control value into directives and calls fn(directive) for each one with a
// non-empty name. With `targets` (Surrogate-Control), a directive may end in ";device". A
// single pass; every loop advances `i`.
template <typename Fn>
void tokenize(std::string_view s, Fn&& fn, bool targets = false) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    while (i < n && (is_ows(s[i]) || s[i] == ',')) {
      ++i;
    }
    const std::size_t name_start = i;
    while (i < n && is_tchar(s[i])) {
      ++i;
    }
    Directive d;
    d.name = s.substr(name_start, i - name_start);
    while (i < n && is_ows(s[i])) {
      ++i;
    }
    if (i < n && s[i] == '=' && !d.name.empty()) {
      d.has_value = true;
      ++i;
      while (i < n && is_ows(s[i])) {
        ++i;
      }
      if (i < n && s[i] == '"') {
        const std::size_t start = ++i;
        bool closed = false;
        while (i < n) {
          if (s[i] == '\\') {
            d.well_formed = false;  // quoted-pair: not read as a plain view
            i = (i + 2 <= n) ? i + 2 : n;
            continue;
          }
          if (s[i] == '"') {
            closed = true;
            break;
          }
          ++i;
        }
        d.value = s.substr(start, (i < n ? i : n) - start);
        if (closed) {
          ++i;
        } else {
          d.well_formed = false;
        }
      } else {
        const std::size_t start = i;
        while (i < n && is_tchar(s[i])) {
          ++i;
        }
        d.value = s.substr(start, i - start);
      }
      while (i < n && is_ows(s[i])) {
        ++i;
      }
    }
    if (targets && i < n && s[i] == ';') {
      const std::size_t start = ++i;
      while (i < n && is_tchar(s[i])) {
        ++i;
      }
      d.target = s.substr(start, i - start);
      while (i < n && is_ows(s[i])) {
        ++i;
      }
    }
    if (i < n && s[i] != ',') {
      // Stray bytes: the directive is damaged; skip to the next comma outside quotes.
      d.well_formed = false;
      bool quoted = false;
      while (i < n && (quoted || s[i] != ',')) {
        if (s[i] == '\\' && quoted) {
          ++i;
        } else if (s[i] == '"') {
          quoted = !quoted;
        }
        ++i;
      }
    }
    if (!d.name.empty()) {
      fn(d);
    }
  }
}

bool name_is(std::string_view name, std::string_view lower) { return http::iequals(name, lower); }

// A delta-seconds argument: nullopt when missing or malformed.
std::optional<Seconds> argument_seconds(const Directive& d) {
  if (!d.has_value || !d.well_formed) {
    return std::nullopt;
  }
  return parse_delta_seconds(d.value);
}

// First occurrence wins; a malformed value reads as `malformed` (0 for max-age: stale).
void set_first(std::optional<Seconds>& field, const Directive& d,
               std::optional<Seconds> malformed) {
  if (field) {
    return;
  }
  const std::optional<Seconds> v = argument_seconds(d);
  field = v ? v : malformed;
}

// Qualified field list of no-cache / private. Returns true when the directive stays
// qualified (the list is recorded); false means treat it as unqualified.
bool take_field_list(const Directive& d, std::string_view& list) {
  if (!d.has_value) {
    return false;
  }
  if (!d.well_formed || d.value.empty() || !list.empty()) {
    return false;  // unreadable, empty or a second list: fall back to the strict reading
  }
  list = d.value;
  return true;
}

void apply(const Directive& d, ResponseDirectives& cc) {
  const std::string_view name = d.name;
  if (name_is(name, "max-age")) {
    set_first(cc.max_age, d, Seconds{0});
  } else if (name_is(name, "s-maxage")) {
    set_first(cc.s_maxage, d, Seconds{0});
  } else if (name_is(name, "no-store")) {
    cc.no_store = true;
  } else if (name_is(name, "no-cache")) {
    if (!take_field_list(d, cc.no_cache_fields)) {
      cc.no_cache = true;
    }
  } else if (name_is(name, "private")) {
    if (!take_field_list(d, cc.private_fields)) {
      cc.is_private = true;
    }
  } else if (name_is(name, "public")) {
    cc.is_public = true;
  } else if (name_is(name, "must-revalidate")) {
    cc.must_revalidate = true;
  } else if (name_is(name, "proxy-revalidate")) {
    cc.proxy_revalidate = true;
  } else if (name_is(name, "stale-while-revalidate")) {
    set_first(cc.stale_while_revalidate, d, std::nullopt);
  } else if (name_is(name, "stale-if-error")) {
    set_first(cc.stale_if_error, d, std::nullopt);
  } else if (name_is(name, "immutable")) {
    cc.immutable = true;
  } else if (name_is(name, "must-understand")) {
    cc.must_understand = true;
  } else if (name_is(name, "no-transform")) {
    cc.no_transform = true;
  }
}

void apply(const Directive& d, RequestDirectives& cc) {
  const std::string_view name = d.name;
  if (name_is(name, "max-age")) {
    set_first(cc.max_age, d, Seconds{0});
  } else if (name_is(name, "min-fresh")) {
    set_first(cc.min_fresh, d, std::nullopt);
  } else if (name_is(name, "max-stale")) {
    if (cc.max_stale) {
      return;  // first occurrence wins
    }
    if (!d.has_value) {
      cc.max_stale = true;
    } else if (const std::optional<Seconds> v = argument_seconds(d)) {
      cc.max_stale = true;
      cc.max_stale_limit = v;
    }  // a malformed bound allows no staleness at all
  } else if (name_is(name, "no-cache")) {
    cc.no_cache = true;
  } else if (name_is(name, "no-store")) {
    cc.no_store = true;
  } else if (name_is(name, "only-if-cached")) {
    cc.only_if_cached = true;
  } else if (name_is(name, "stale-if-error")) {
    set_first(cc.stale_if_error, d, std::nullopt);
  }
}

// max-age=N or max-age=N+M (Edge Architecture §3.1). Malformed reads as 0: stale.
void apply_surrogate_max_age(const Directive& d, SurrogateDirectives& into) {
  into.max_age = Seconds{0};
  if (!d.has_value || !d.well_formed) {
    return;
  }
  const std::size_t plus = d.value.find('+');
  const std::optional<Seconds> lifetime = parse_delta_seconds(d.value.substr(0, plus));
  if (!lifetime) {
    return;
  }
  into.max_age = lifetime;
  if (plus != std::string_view::npos) {
    into.stale_extension = parse_delta_seconds(d.value.substr(plus + 1));
  }
}

}  // namespace

std::optional<Seconds> parse_delta_seconds(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (value < kMaxDeltaSeconds) {
      value = value * 10 + (c - '0');
    }
  }
  return Seconds{value < kMaxDeltaSeconds ? value : kMaxDeltaSeconds};
}

void parse_cache_control(std::string_view value, ResponseDirectives& into) {
  into.present = true;
  tokenize(value, [&into](const Directive& d) { apply(d, into); });
}

void parse_cache_control(std::string_view value, RequestDirectives& into) {
  into.present = true;
  tokenize(value, [&into](const Directive& d) { apply(d, into); });
}

void parse_surrogate_control(std::string_view value, SurrogateDirectives& into) {
  into.present = true;
  tokenize(
      value,
      [&into](const Directive& d) {
        if (!d.target.empty()) {
          if (!http::iequals(d.target, kSurrogateDevice)) {
            return;  // meant for another surrogate
          }
          if (!into.targeted) {
            const bool present = into.present;
            into = SurrogateDirectives{};  // ours from now on: drop the untargeted ones
            into.present = present;
            into.targeted = true;
          }
        } else if (into.targeted) {
          return;
        }
        if (name_is(d.name, "no-store")) {
          into.no_store = true;
        } else if (name_is(d.name, "max-age") && !into.max_age) {
          apply_surrogate_max_age(d, into);
        }
      },
      /*targets=*/true);
}

bool is_surrogate_field(std::string_view name) {
  switch (name.size()) {
    case 9: return http::iequals(name, "cache-tag");
    case 13: return http::iequals(name, "surrogate-key");
    case 17: return http::iequals(name, "surrogate-control");
    default: return false;
  }
}

ResponseDirectives parse_response_directives(std::span<const http::Header> headers) {
  ResponseDirectives cc;
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, "cache-control")) {
      parse_cache_control(h.value, cc);
    }
  }
  return cc;
}

RequestDirectives parse_request_directives(std::span<const http::Header> headers) {
  RequestDirectives cc;
  bool pragma_no_cache = false;
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, "cache-control")) {
      parse_cache_control(h.value, cc);
    } else if (http::iequals(h.name, "pragma")) {
      tokenize(h.value, [&pragma_no_cache](const Directive& d) {
        if (http::iequals(d.name, "no-cache")) {
          pragma_no_cache = true;
        }
      });
    }
  }
  if (pragma_no_cache && !cc.present) {
    cc.no_cache = true;
  }
  return cc;
}

}  // namespace ramjet::cache
