// ramjet: a performance gateway in front of slow web APIs. See README.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string_view>

#include "app/commands.hpp"
#include "bench/cli.hpp"

extern char** environ;

int main(int argc, char** argv) {
  // `ramjet bench` owns its flags (src/bench/cli.hpp): hand it everything after "bench".
  if (argc > 1 && std::string_view(argv[1]) == "bench") {
    return ramjet::bench::run_cli(argc - 1, argv + 1, RAMJET_VERSION);
  }
  CLI::App app{"ramjet: a caching, pooling, protecting reverse proxy for slow web APIs"};
  app.require_subcommand(1);

  ramjet::app::ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the proxy");
  std::string config_path;
  serve_cmd->add_option("-c,--config", config_path, "YAML configuration file");
  std::string listen, admin, workers, profile;
  serve_cmd->add_option("--listen", listen, "Address to listen on (e.g. :8080, 127.0.0.1:8080)");
  serve_cmd->add_option("--upstream", serve.overrides.upstreams,
                        "Upstream URL (http://host:port); repeat for several endpoints");
  serve_cmd->add_option("--admin", admin, "Admin listener address (default 127.0.0.1:9901)");
  serve_cmd->add_option("--workers", workers, "Worker threads (N or auto)");
  serve_cmd->add_option("--profile", profile, "Defaults profile: small, medium or large");
  bool no_cache = false;
  serve_cmd->add_flag("--no-cache", no_cache, "Turn the response cache off");
  std::string log_interval;
  serve_cmd->add_option("--metrics-log-interval", log_interval,
                        "Period of the summary log line (e.g. 30s, 5m; 0 = off; default 5m)");

  auto* check_cmd = app.add_subcommand("check-config", "Validate a configuration file");
  std::string check_path;
  check_cmd->add_option("-c,--config", check_path, "YAML configuration file")->required();

  app.add_subcommand("bench", "Load generator and performance gate (ramjet bench --help)");
  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  auto env = ramjet::config::environment_from(environ);
  if (*serve_cmd) {
    if (!config_path.empty()) {
      serve.config_path = config_path;
    }
    if (!listen.empty()) {
      serve.overrides.listen = listen;
    }
    if (!admin.empty()) {
      serve.overrides.admin = admin;
    }
    if (!workers.empty()) {
      serve.overrides.workers = workers;
    }
    if (!profile.empty()) {
      serve.overrides.profile = profile;
    }
    if (no_cache) {
      serve.overrides.cache_enabled = false;
    }
    if (!log_interval.empty()) {
      auto d = ramjet::core::parse_duration(log_interval);
      if (!d.ok()) {
        std::fprintf(stderr, "option --metrics-log-interval: %s\n", d.error().to_string().c_str());
        return 2;
      }
      serve.metrics_log_interval = d.value();
    }
    if (!serve.config_path && serve.overrides.upstreams.empty()) {
      std::fprintf(stderr, "ramjet serve: give --upstream URL or -c FILE (see --help)\n");
      return 2;
    }
    return ramjet::app::run_serve(serve, env);
  }
  if (*check_cmd) {
    return ramjet::app::run_check_config(check_path, env);
  }
  std::printf("ramjet %s\n", RAMJET_VERSION);
  return 0;
}
