#pragma once
// The dashboard's files (src/admin/assets/), compiled into the binary at build time by
// embed_assets.cmake, so GET / works offline and without any file beside the binary.
//
// Threading: immutable static data; any thread. Views point into static storage.

#include <span>
#include <string_view>

namespace ramjet::admin {

struct Asset {
  std::string_view name;          // file name, e.g. "index.html"
  std::string_view content_type;  // from the extension
  std::string_view body;
};

// Every embedded file (defined in the generated embedded_assets.cpp).
std::span<const Asset> embedded_assets();

// The asset named `name`, or null.
const Asset* find_asset(std::string_view name);

}  // namespace ramjet::admin
