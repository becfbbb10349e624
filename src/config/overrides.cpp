// The environment and the command line as sources of settings, applied after the file.
#include <algorithm>

#include "config/schema.hpp"

namespace ramjet::config::detail {
namespace {

constexpr std::string_view kPrefix = "RAMJET_";
constexpr std::string_view kUpstreamVariable = "RAMJET_UPSTREAM";

std::string variable(std::string_view name) { return "environment variable " + std::string(name); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return text;
}

// "a, b,c" -> {"a", "b", "c"}; "" -> {}. Views into `text`.
std::vector<Value> split_list(std::string_view text, const std::string& where) {
  std::vector<Value> out;
  if (trim(text).empty()) {
    return out;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = std::min(text.find(',', start), text.size());
    out.push_back(Value{trim(text.substr(start, comma - start)), where});
    start = comma + 1;
  }
  return out;
}

const Setting* setting_for_variable(std::string_view name) {
  for (const auto& setting : settings()) {
    if (env_name(setting.path) == name) {
      return &setting;
    }
  }
  return nullptr;
}

void apply_flag(Draft& draft, std::string_view path, const std::optional<std::string>& text,
                std::string_view flag) {
  if (text) {
    apply_setting(draft, *find_setting(path), Value{*text, "option " + std::string(flag)});
  }
}

}  // namespace

std::optional<Profile> profile_in_environment(const Environment& env) {
  auto it = env.find(env_name("profile"));
  if (it == env.end()) {
    return std::nullopt;
  }
  return parse_profile(Value{it->second, variable(it->first)});
}

std::optional<Profile> profile_in_flags(const CliOverrides& cli) {
  if (!cli.profile) {
    return std::nullopt;
  }
  return parse_profile(Value{*cli.profile, "option --profile"});
}

void apply_environment(Draft& draft, const Environment& env) {
  for (const auto& [name, text] : env) {
    if (!name.starts_with(kPrefix)) {
      continue;
    }
    const std::string where = variable(name);
    if (name == kUpstreamVariable) {
      apply_upstream_urls(draft, split_list(text, where), where);
      continue;
    }
    const Setting* setting = setting_for_variable(name);
    if (setting == nullptr) {
      const std::vector<std::string> known = environment_variable_names();
      fail(where, "unknown variable (the RAMJET_ prefix is reserved for configuration)" +
                      did_you_mean(name, known));
    }
    if (setting->apply_list != nullptr) {
      apply_list_setting(draft, *setting, split_list(text, where), where);
    } else {
      apply_setting(draft, *setting, Value{text, where});
    }
  }
}

void apply_flags(Draft& draft, const CliOverrides& cli) {
  apply_flag(draft, "profile", cli.profile, "--profile");
  apply_flag(draft, "listen", cli.listen, "--listen");
  apply_flag(draft, "admin.listen", cli.admin, "--admin");
  apply_flag(draft, "workers", cli.workers, "--workers");
  if (cli.cache_enabled) {
    apply_setting(draft, *find_setting("cache.enabled"),
                  Value{*cli.cache_enabled ? "true" : "false",
                        *cli.cache_enabled ? "option --cache" : "option --no-cache"});
  }
  if (!cli.upstreams.empty()) {
    std::vector<Value> urls;
    for (const auto& url : cli.upstreams) {
      urls.push_back(Value{url, "option --upstream"});
    }
    apply_upstream_urls(draft, urls, "option --upstream");
  }
}

void apply_upstream_urls(Draft& draft, std::span<const Value> urls, const std::string& where) {
  std::vector<HostPort> endpoints = parse_endpoints(urls, where);
  auto& upstreams = draft.config.upstreams;
  if (upstreams.size() > 1) {
    std::string names;
    for (const auto& upstream : upstreams) {
      names.append(names.empty() ? "" : ", ").append(upstream.name);
    }
    fail(where, "the configuration defines several upstreams (" + names +
                    "), so it is unclear which one these endpoints replace");
  }
  if (upstreams.empty()) {
    UpstreamOptions upstream;
    upstream.name = "default";
    upstream.pool = default_pool(draft.config.profile);
    upstreams.push_back(std::move(upstream));
    draft.upstream_where.push_back(where);
  }
  upstreams.front().endpoints = std::move(endpoints);
}

}  // namespace ramjet::config::detail

namespace ramjet::config {

Environment environment_from(const char* const* envp) {
  Environment env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    std::string_view entry(*envp);
    std::size_t equals = entry.find('=');
    if (equals != std::string_view::npos && entry.starts_with(detail::kPrefix)) {
      env.insert_or_assign(std::string(entry.substr(0, equals)),
                           std::string(entry.substr(equals + 1)));
    }
  }
  return env;
}

std::vector<std::string> environment_variable_names() {
  std::vector<std::string> names{std::string(detail::kUpstreamVariable)};
  for (const auto& setting : detail::settings()) {
    names.push_back(detail::env_name(setting.path));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ramjet::config
