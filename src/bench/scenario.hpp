#pragma once
// Scenarios: a YAML file describing a mixed load, "like a Locust file without code".
//
//   base_url: http://127.0.0.1:8080        # optional: the URL on the command line wins
//   headers: {Accept: application/json}    # optional: sent with every request
//   requests:
//     - name: search                       # optional: "METHOD path" otherwise
//       method: POST                       # default GET
//       url: /search?q=shoes               # a path (joined to base_url) or an absolute URL
//       headers: {Content-Type: application/json}
//       body: '{"q": "shoes"}'             # or body_file: payload.json (next to the file)
//       weight: 3                          # default 1; chosen with probability 3/sum
//     - url: /health
//
// Every request must go to the same host and port. Unknown keys, wrong types and a missing
// `requests` list are errors that name the file, line and column.

#include <string>
#include <string_view>
#include <vector>

#include "bench/options.hpp"
#include "core/result.hpp"

namespace ramjet::bench {

struct Scenario {
  std::string base_url;
  std::vector<RequestSpec> requests;  // urls made absolute when a base is known
};

// Parses scenario `text`; `file` names it in errors and anchors body_file paths. `base_url`
// (from the command line, may be empty) overrides the file's base_url.
core::Result<Scenario> parse_scenario(std::string_view text, const std::string& file,
                                      const std::string& base_url);
// Reads and parses the file at `path`.
core::Result<Scenario> load_scenario(const std::string& path, const std::string& base_url);

// "http://h:1/a" + "/b?c" → "http://h:1/b?c"; an absolute `url` is returned as is.
std::string join_url(const std::string& base, const std::string& url);

}  // namespace ramjet::bench
