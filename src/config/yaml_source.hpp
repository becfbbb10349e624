#pragma once
// Internal to config/: the YAML file as a source of settings. Walks the document along the
// schema (never generically, so anchors that refer to themselves cannot loop), checks each
// key and type, and reports problems as LoadError at "FILE:LINE:COL" (1-based).

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string_view>

#include "config/schema.hpp"

namespace ramjet::config::detail {

// Parses `text` as a single YAML document; an empty text gives a null node.
YAML::Node parse_yaml(std::string_view text, std::string_view file);

// The profile the file selects, if any (validated); read before everything else because
// it chooses the defaults.
std::optional<Profile> profile_in_yaml(const YAML::Node& root, std::string_view file);

// Applies every key of the document to `draft`.
void apply_yaml(Draft& draft, const YAML::Node& root, std::string_view file);

}  // namespace ramjet::config::detail
