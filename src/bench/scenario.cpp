#include "bench/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <limits>
#include <sstream>

namespace ramjet::bench {
namespace {

std::string where(const std::string& file, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.line < 0) {
    return file;
  }
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

core::Error error_at(const std::string& file, const YAML::Node& node, const char* message) {
  return core::Error{message, where(file, node)};
}

std::string directory_of(const std::string& file) {
  std::size_t slash = file.rfind('/');
  return slash == std::string::npos ? std::string() : file.substr(0, slash + 1);
}

core::Result<std::vector<std::pair<std::string, std::string>>> parse_headers(
    const YAML::Node& node, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!node.IsMap()) {
    return error_at(file, node, "headers must be a map of name: value");
  }
  for (const auto& kv : node) {
    if (!kv.second.IsScalar()) {
      return error_at(file, kv.second, "a header value must be a string");
    }
    out.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  return out;
}

core::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Error{"cannot read file", path};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Result<RequestSpec> parse_request(const YAML::Node& node, const std::string& file,
                                        const Scenario& scenario,
                                        const std::vector<std::pair<std::string, std::string>>&
                                            common_headers) {
  if (!node.IsMap()) {
    return error_at(file, node, "each request must be a map (url, method, headers, ...)");
  }
  RequestSpec spec;
  spec.headers = common_headers;
  bool has_url = false;
  bool has_body = false;
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key != "headers" && !v.IsScalar()) {
      return error_at(file, v, "expected a single value");
    }
    if (key == "name") {
      spec.name = v.as<std::string>();
    } else if (key == "method") {
      spec.method = v.as<std::string>();
    } else if (key == "url") {
      spec.url = join_url(scenario.base_url, v.as<std::string>());
      has_url = true;
    } else if (key == "headers") {
      auto headers = parse_headers(v, file);
      if (!headers.ok()) {
        return headers.error();
      }
      spec.headers.insert(spec.headers.end(), headers->begin(), headers->end());
    } else if (key == "body" || key == "body_file") {
      if (has_body) {
        return error_at(file, v, "give body or body_file, not both");
      }
      has_body = true;
      if (key == "body") {
        spec.body = v.as<std::string>();
      } else {
        std::string path = v.as<std::string>();
        if (path.empty() || path.front() != '/') {
          path = directory_of(file) + path;
        }
        auto body = read_file(path);
        if (!body.ok()) {
          return error_at(file, v, "cannot read body_file");
        }
        spec.body = std::move(body.value());
      }
    } else if (key == "weight") {
      long long w = 0;
      if (!YAML::convert<long long>::decode(v, w) || w < 1 ||
          w > std::numeric_limits<std::uint32_t>::max()) {
        return error_at(file, v, "weight must be a whole number of at least 1");
      }
      spec.weight = static_cast<std::uint32_t>(w);
    } else {
      return error_at(file, kv.first,
                      "unknown key (name, method, url, headers, body, body_file, weight)");
    }
  }
  if (!has_url) {
    return error_at(file, node, "request has no url");
  }
  if (spec.url.rfind("http://", 0) != 0 && spec.url.rfind("https://", 0) != 0) {
    return error_at(file, node, "relative url needs a base_url (in the file or on the "
                                "command line)");
  }
  return spec;
}

}  // namespace

std::string join_url(const std::string& base, const std::string& url) {
  if (url.find("://") != std::string::npos || base.empty()) {
    return url;
  }
  std::size_t scheme = base.find("://");
  std::size_t path = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string origin = path == std::string::npos ? base : base.substr(0, path);
  if (url.empty() || url.front() != '/') {
    return origin + "/" + url;
  }
  return origin + url;
}

core::Result<Scenario> parse_scenario(std::string_view text, const std::string& file,
                                      const std::string& base_url) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return core::Error{"invalid YAML",
                       file + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  if (!root.IsMap()) {
    return core::Error{"a scenario is a map with a `requests` list", file};
  }
  Scenario scenario;
  scenario.base_url = base_url;
  std::vector<std::pair<std::string, std::string>> common;
  YAML::Node requests;
  try {
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key == "base_url") {
        if (base_url.empty()) {
          scenario.base_url = kv.second.as<std::string>();
        }
      } else if (key == "headers") {
        auto headers = parse_headers(kv.second, file);
        if (!headers.ok()) {
          return headers.error();
        }
        common = std::move(headers.value());
      } else if (key == "requests") {
        requests = kv.second;
      } else {
        return error_at(file, kv.first, "unknown key (base_url, headers, requests)");
      }
    }
    if (!requests || !requests.IsSequence() || requests.size() == 0) {
      return core::Error{"scenario needs a non-empty `requests` list", file};
    }
    for (const auto& node : requests) {
      auto spec = parse_request(node, file, scenario, common);
      if (!spec.ok()) {
        return spec.error();
      }
      scenario.requests.push_back(std::move(spec.value()));
    }
  } catch (const YAML::Exception& e) {
    return core::Error{"invalid scenario",
                       file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  return scenario;
}

core::Result<Scenario> load_scenario(const std::string& path, const std::string& base_url) {
  auto text = read_file(path);
  if (!text.ok()) {
    return core::Error{"cannot read scenario", path};
  }
  return parse_scenario(text.value(), path, base_url);
}

}  // namespace ramjet::bench
