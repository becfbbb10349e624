// Fuzz target for configuration loading: arbitrary bytes as a YAML file must give a Config
// or an error line, never a crash, a hang or an escaped exception (yaml-cpp throws; the
// loader must catch at its edge). Oracle: a Config that loads must print, with
// to_yaml_redacted, a YAML text that loads back to the same printout.
// The same bytes also go through the address parsers that flags and variables use.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/addresses.hpp"
#include "config/load.hpp"

namespace {

void check_round_trip(const ramjet::config::Config& config) {
  const std::string yaml = ramjet::config::to_yaml_redacted(config);
  auto again = ramjet::config::load_config_string(yaml, "round-trip.yaml");
  if (!again.ok() || ramjet::config::to_yaml_redacted(*again) != yaml) {
    std::abort();
  }
}

void parse_addresses(std::string_view text) {
  (void)ramjet::config::parse_listen_address(text);
  (void)ramjet::config::parse_upstream_url(text);
  (void)ramjet::config::parse_host_header(text);
  (void)ramjet::config::parse_cidr(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = ramjet::config::load_config_string(text, "fuzz.yaml");
  if (config.ok()) {
    (void)ramjet::config::describe(*config);
    check_round_trip(*config);
  } else if (config.error().detail.rfind("fuzz.yaml", 0) != 0) {
    std::abort();  // every file error names the file
  }
  if (size < 256) {
    parse_addresses(text);
  }
  return 0;
}
