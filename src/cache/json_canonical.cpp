// Strict single-pass JSON canonicaliser; see json_canonical.hpp for the canonical form.
// Recursive descent writing straight into the output; objects are written in input order and
// reordered in place only when their keys are not already sorted.

#include "cache/json_canonical.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ramjet::cache {
namespace {

// Canonical exponents are bounded by kMaxExponent; literal exponents in the input may go a
// little further (a number like 12e1000000000 is 1.2e+1000000001 in canonical form), so
// that every canonical form, which must parse again, stays within what the input accepts.
constexpr std::int64_t kMaxExponent = 1'000'000'000;
constexpr std::int64_t kMaxLiteralExponent = 4'000'000'000;

class Canonicalizer {
 public:
  Canonicalizer(std::string_view in, std::string& out, const JsonLimits& limits)
      : in_(in), out_(out), limits_(limits) {}

  JsonError run() {
    out_.clear();
    if (const JsonError e = value(0); e != JsonError::kNone) {
      return e;
    }
    skip_ws();
    return pos_ == in_.size() ? JsonError::kNone : JsonError::kSyntax;
  }

 private:
  struct Member {
    std::size_t key_begin;  // key content (without quotes) in out_
    std::size_t key_end;
    std::size_t begin;      // the whole "key":value in out_
    std::size_t end;
  };

  bool at_end() const { return pos_ >= in_.size(); }
  char peek() const { return in_[pos_]; }
  unsigned char upeek() const { return static_cast<unsigned char>(in_[pos_]); }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
      ++pos_;
    }
  }

  JsonError value(std::size_t depth) {
    skip_ws();
    if (at_end()) {
      return JsonError::kSyntax;
    }
    const char c = peek();
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        return JsonError::kSyntax;
    }
  }

  JsonError literal(std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) {
      return JsonError::kSyntax;
    }
    pos_ += word.size();
    out_.append(word);
    return JsonError::kNone;
  }

  JsonError array(std::size_t depth) {
    if (depth >= limits_.max_depth) {
      return JsonError::kDepth;
    }
    ++pos_;
    out_.push_back('[');
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++pos_;
      out_.push_back(']');
      return JsonError::kNone;
    }
    for (;;) {
      if (const JsonError e = value(depth + 1); e != JsonError::kNone) {
        return e;
      }
      skip_ws();
      if (at_end()) {
        return JsonError::kSyntax;
      }
      if (peek() == ',') {
        ++pos_;
        out_.push_back(',');
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        out_.push_back(']');
        return JsonError::kNone;
      }
      return JsonError::kSyntax;
    }
  }

  JsonError object(std::size_t depth) {
    if (depth >= limits_.max_depth) {
      return JsonError::kDepth;
    }
    ++pos_;
    out_.push_back('{');
    const std::size_t start = out_.size();
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++pos_;
      out_.push_back('}');
      return JsonError::kNone;
    }
    std::vector<Member> members;
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"') {
        return JsonError::kSyntax;
      }
      Member m{};
      m.begin = out_.size();
      if (const JsonError e = string(); e != JsonError::kNone) {
        return e;
      }
      m.key_begin = m.begin + 1;
      m.key_end = out_.size() - 1;
      skip_ws();
      if (at_end() || peek() != ':') {
        return JsonError::kSyntax;
      }
      ++pos_;
      out_.push_back(':');
      if (const JsonError e = value(depth + 1); e != JsonError::kNone) {
        return e;
      }
      m.end = out_.size();
      members.push_back(m);
      skip_ws();
      if (at_end()) {
        return JsonError::kSyntax;
      }
      if (peek() == ',') {
        ++pos_;
        out_.push_back(',');
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      return JsonError::kSyntax;
    }
    if (const JsonError e = sort_members(start, members); e != JsonError::kNone) {
      return e;
    }
    out_.push_back('}');
    return JsonError::kNone;
  }

  std::string_view key_of(const Member& m) const {
    return std::string_view(out_).substr(m.key_begin, m.key_end - m.key_begin);
  }

  // Reorders the members written at out_[start..] by key and rejects duplicate keys.
  JsonError sort_members(std::size_t start, std::vector<Member>& members) {
    const auto by_key = [this](const Member& a, const Member& b) { return key_of(a) < key_of(b); };
    const bool sorted = std::is_sorted(members.begin(), members.end(), by_key);
    if (!sorted) {
      std::sort(members.begin(), members.end(), by_key);
    }
    for (std::size_t i = 1; i < members.size(); ++i) {
      if (key_of(members[i - 1]) == key_of(members[i])) {
        return JsonError::kDuplicateKey;
      }
    }
    if (sorted) {
      return JsonError::kNone;
    }
    std::string scratch;
    scratch.reserve(out_.size() - start);
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i != 0) {
        scratch.push_back(',');
      }
      scratch.append(out_, members[i].begin, members[i].end - members[i].begin);
    }
    out_.resize(start);
    out_.append(scratch);
    return JsonError::kNone;
  }

  void emit_code_point(std::uint32_t cp) {
    static constexpr char kHex[] = "0123456789abcdef";
    switch (cp) {
      case '"': out_.append("\\\""); return;
      case '\\': out_.append("\\\\"); return;
      case '\b': out_.append("\\b"); return;
      case '\f': out_.append("\\f"); return;
      case '\n': out_.append("\\n"); return;
      case '\r': out_.append("\\r"); return;
      case '\t': out_.append("\\t"); return;
      default: break;
    }
    if (cp < 0x20) {
      out_.append("\\u00");
      out_.push_back(kHex[cp >> 4]);
      out_.push_back(kHex[cp & 0xF]);
    } else if (cp < 0x80) {
      out_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Four hex digits after "\u"; false if malformed.
  bool hex4(std::uint32_t& cp) {
    if (in_.size() - pos_ < 4) {
      return false;
    }
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = in_[pos_++];
      std::uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      cp = (cp << 4) | d;
    }
    return true;
  }

  // After the backslash.
  JsonError escape() {
    if (at_end()) {
      return JsonError::kBadString;
    }
    const char c = in_[pos_++];
    switch (c) {
      case '"': emit_code_point('"'); return JsonError::kNone;
      case '\\': emit_code_point('\\'); return JsonError::kNone;
      case '/': emit_code_point('/'); return JsonError::kNone;
      case 'b': emit_code_point('\b'); return JsonError::kNone;
      case 'f': emit_code_point('\f'); return JsonError::kNone;
      case 'n': emit_code_point('\n'); return JsonError::kNone;
      case 'r': emit_code_point('\r'); return JsonError::kNone;
      case 't': emit_code_point('\t'); return JsonError::kNone;
      case 'u': break;
      default: return JsonError::kBadString;
    }
    std::uint32_t cp = 0;
    if (!hex4(cp)) {
      return JsonError::kBadString;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return JsonError::kBadString;  // lone low surrogate
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (in_.size() - pos_ < 2 || in_[pos_] != '\\' || in_[pos_ + 1] != 'u') {
        return JsonError::kBadString;
      }
      pos_ += 2;
      std::uint32_t low = 0;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return JsonError::kBadString;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    emit_code_point(cp);
    return JsonError::kNone;
  }

  // A UTF-8 sequence starting at pos_ (first byte >= 0x80), validated strictly (RFC 3629:
  // no overlong forms, no surrogates, nothing above U+10FFFF) and copied as is.
  JsonError utf8() {
    const unsigned char b0 = upeek();
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      lo = (b0 == 0xE0) ? 0xA0 : 0x80;
      hi = (b0 == 0xED) ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      lo = (b0 == 0xF0) ? 0x90 : 0x80;
      hi = (b0 == 0xF4) ? 0x8F : 0xBF;
    } else {
      return JsonError::kBadString;
    }
    if (in_.size() - pos_ < len) {
      return JsonError::kBadString;
    }
    for (std::size_t i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(in_[pos_ + i]);
      const unsigned char min = (i == 1) ? lo : 0x80;
      const unsigned char max = (i == 1) ? hi : 0xBF;
      if (b < min || b > max) {
        return JsonError::kBadString;
      }
    }
    out_.append(in_.substr(pos_, len));
    pos_ += len;
    return JsonError::kNone;
  }

  JsonError string() {
    ++pos_;  // opening quote
    out_.push_back('"');
    for (;;) {
      if (at_end()) {
        return JsonError::kSyntax;
      }
      const unsigned char c = upeek();
      if (c == '"') {
        ++pos_;
        out_.push_back('"');
        return JsonError::kNone;
      }
      if (c < 0x20) {
        return JsonError::kBadString;
      }
      if (c == '\\') {
        ++pos_;
        if (const JsonError e = escape(); e != JsonError::kNone) {
          return e;
        }
        continue;
      }
      if (c >= 0x80) {
        if (const JsonError e = utf8(); e != JsonError::kNone) {
          return e;
        }
        continue;
      }
      out_.push_back(static_cast<char>(c));
      ++pos_;
    }
  }

  bool digit_here() const { return !at_end() && peek() >= '0' && peek() <= '9'; }

  JsonError number() {
    const bool negative = peek() == '-';
    if (negative) {
      ++pos_;
    }
    digits_.clear();
    std::int64_t exponent = 0;
    if (!digit_here()) {
      return JsonError::kSyntax;
    }
    if (peek() == '0') {
      ++pos_;
      digits_.push_back('0');
    } else {
      while (digit_here()) {
        digits_.push_back(in_[pos_++]);
      }
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digit_here()) {
        return JsonError::kSyntax;
      }
      while (digit_here()) {
        digits_.push_back(in_[pos_++]);
        --exponent;
      }
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      bool exp_negative = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) {
        exp_negative = peek() == '-';
        ++pos_;
      }
      if (!digit_here()) {
        return JsonError::kSyntax;
      }
      std::int64_t e = 0;
      while (digit_here()) {
        e = std::min<std::int64_t>(e * 10 + (in_[pos_++] - '0'), kMaxLiteralExponent + 1);
      }
      if (e > kMaxLiteralExponent) {
        return JsonError::kNumberRange;
      }
      exponent += exp_negative ? -e : e;
    }
    return emit_number(negative, exponent);
  }

  // digits_ * 10^exponent, shortest digits, ECMAScript-style placement of the point.
  JsonError emit_number(bool negative, std::int64_t exponent) {
    std::string_view d(digits_);
    while (!d.empty() && d.front() == '0') {
      d.remove_prefix(1);
    }
    while (!d.empty() && d.back() == '0') {
      d.remove_suffix(1);
      ++exponent;
    }
    if (d.empty()) {
      out_.push_back('0');
      return JsonError::kNone;
    }
    if (negative) {
      out_.push_back('-');
    }
    const auto n = static_cast<std::int64_t>(d.size());
    const std::int64_t point = n + exponent;  // digits before the decimal point
    if (exponent >= 0 && point <= 21) {
      out_.append(d);
      out_.append(static_cast<std::size_t>(exponent), '0');
    } else if (point > 0 && point <= 21) {
      out_.append(d.substr(0, static_cast<std::size_t>(point)));
      out_.push_back('.');
      out_.append(d.substr(static_cast<std::size_t>(point)));
    } else if (point > -6 && point <= 0) {
      out_.append("0.");
      out_.append(static_cast<std::size_t>(-point), '0');
      out_.append(d);
    } else {
      const std::int64_t e = point - 1;
      if (e > kMaxExponent || e < -kMaxExponent) {
        return JsonError::kNumberRange;
      }
      out_.push_back(d.front());
      if (d.size() > 1) {
        out_.push_back('.');
        out_.append(d.substr(1));
      }
      out_.push_back('e');
      out_.push_back(e < 0 ? '-' : '+');
      out_.append(std::to_string(e < 0 ? -e : e));
    }
    return JsonError::kNone;
  }

  std::string_view in_;
  std::string& out_;
  const JsonLimits& limits_;
  std::size_t pos_ = 0;
  std::string digits_;  // scratch for number()
};

}  // namespace

const char* to_string(JsonError error) {
  switch (error) {
    case JsonError::kNone: return "ok";
    case JsonError::kSyntax: return "invalid JSON";
    case JsonError::kDepth: return "JSON nested too deeply";
    case JsonError::kDuplicateKey: return "JSON object with a duplicate key";
    case JsonError::kBadString: return "invalid JSON string";
    case JsonError::kNumberRange: return "JSON number out of range";
  }
  return "invalid JSON";
}

JsonError canonicalize_json(std::string_view in, std::string& out, const JsonLimits& limits) {
  return Canonicalizer(in, out, limits).run();
}

}  // namespace ramjet::cache
