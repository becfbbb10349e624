#pragma once
// The bytes of every body ramjet-origin sends, as a pure function of the byte's offset in
// the body. Tests (tests/support/origin.hpp includes this header) rebuild the expected bytes
// and so check that a proxy forwarded a body intact, whatever its size or framing.
//
// Contract: byte(offset) = kBodyAlphabet[(offset % kBodyPeriod) % 64]. The period is prime
// so that a dropped, repeated or reordered run of bytes almost always changes the bytes that
// follow it; the alphabet is printable so a body is readable in a dump.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ramjet::origin {

inline constexpr std::string_view kBodyAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
inline constexpr std::uint64_t kBodyPeriod = 251;

constexpr char body_byte(std::uint64_t offset) {
  return kBodyAlphabet[static_cast<std::size_t>((offset % kBodyPeriod) % 64)];
}

}  // namespace ramjet::origin
