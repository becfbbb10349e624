// The edge of config loading: the only place its exceptions are caught (STYLE #3).
#include "config/load.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>

#include "config/schema.hpp"
#include "config/yaml_source.hpp"

namespace ramjet::config {
namespace {

constexpr std::size_t kMaxFileBytes = 1024 * 1024;
constexpr const char* kInvalid = "invalid configuration";

struct Text {
  std::string_view text;
  std::string_view name;
};

Profile choose_profile(const std::optional<Text>& file, const YAML::Node& root,
                       const Environment& env, const CliOverrides& cli) {
  // Each source's profile is validated even when a higher one wins.
  auto from_file = file ? detail::profile_in_yaml(root, file->name) : std::nullopt;
  auto from_env = detail::profile_in_environment(env);
  auto from_flags = detail::profile_in_flags(cli);
  return from_flags.value_or(from_env.value_or(from_file.value_or(Profile::kMedium)));
}

Config build(const std::optional<Text>& file, const Environment& env, const CliOverrides& cli) {
  detail::Draft draft;
  draft.origin = file ? std::string(file->name) : std::string("command line");
  YAML::Node root;
  if (file) {
    if (file->text.size() > kMaxFileBytes) {
      detail::fail(file->name, "the configuration is larger than 1MiB");
    }
    root = detail::parse_yaml(file->text, file->name);
  }
  draft.config = defaults_for(choose_profile(file, root, env, cli));
  if (file) {
    detail::apply_yaml(draft, root, file->name);
  }
  detail::apply_environment(draft, env);
  detail::apply_flags(draft, cli);
  return detail::finalize(std::move(draft));
}

// Every exception stops here and becomes an error value.
core::Result<Config> build_caught(const std::optional<Text>& file, const Environment& env,
                                  const CliOverrides& cli) {
  const std::string origin = file ? std::string(file->name) : std::string("command line");
  try {
    return build(file, env, cli);
  } catch (const detail::LoadError& error) {
    return core::Error{kInvalid, error.what()};
  } catch (const YAML::Exception& error) {
    return core::Error{kInvalid, origin + ": YAML error: " + error.what()};
  } catch (const std::bad_alloc&) {
    return core::Error{kInvalid, origin + ": out of memory while loading"};
  } catch (const std::exception& error) {
    return core::Error{kInvalid, origin + ": " + error.what()};
  }
}

core::Result<std::string> read_file(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return core::Error{kInvalid, path + ": is a directory, not a configuration file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::Error{kInvalid, path + ": cannot open: " + std::strerror(errno)};
  }
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      return core::Error{kInvalid, path + ": the configuration is larger than 1MiB"};
    }
  }
  if (in.bad()) {
    return core::Error{kInvalid, path + ": cannot read: " + std::strerror(errno)};
  }
  return text;
}

}  // namespace

core::Result<Config> load_config_file(const std::string& path) {
  return build_config(path, {}, {});
}

core::Result<Config> load_config_string(std::string_view text, std::string_view name_for_errors) {
  return build_config_from_string(text, name_for_errors, {}, {});
}

core::Result<Config> build_config(const std::optional<std::string>& path, const Environment& env,
                                  const CliOverrides& cli) {
  if (!path) {
    return build_caught(std::nullopt, env, cli);
  }
  auto text = read_file(*path);
  if (!text) {
    return text.error();
  }
  return build_caught(Text{*text, *path}, env, cli);
}

core::Result<Config> build_config_from_string(std::string_view text,
                                              std::string_view name_for_errors,
                                              const Environment& env, const CliOverrides& cli) {
  return build_caught(Text{text, name_for_errors}, env, cli);
}

}  // namespace ramjet::config
