#pragma once
// `ramjet bench`: the command-line front of the load generator. Parses the flags into
// BenchOptions, runs the Generator, prints the summary (and a live progress line when stdout
// is a terminal), writes --json / --html, evaluates --threshold and prints --compare.
//
// Exit codes: 0 success; 1 a threshold failed or the run failed (no response at all, a
// report could not be written, the host did not resolve); 2 a usage error (bad flag, bad
// threshold, unreadable scenario or --compare file). Ctrl-C ends the run early and still
// reports; a second Ctrl-C exits at once.

#include <string_view>

namespace ramjet::bench {

// `argv[0]` is the subcommand's name ("bench"); the rest are its arguments. `version` is
// ramjet's, for the User-Agent and the report.
int run_cli(int argc, char** argv, std::string_view version);

}  // namespace ramjet::bench
