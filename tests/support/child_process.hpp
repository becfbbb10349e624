#pragma once
// ChildProcess: a program the test starts (ramjet, ramjet-origin, nginx, redis-server...)
// with its stdout and stderr captured to temporary files, so a chatty child never blocks on
// a full pipe and a failing test can print what the child said.
//
// Every wait is bounded by a timeout. The destructor kills a child still running (SIGKILL),
// reaps it and removes the capture files, so a failed ASSERT never leaks a process.
// Not thread-safe: use one ChildProcess from one test thread.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ramjet::testing {

using Millis = std::chrono::milliseconds;

class ChildProcess {
 public:
  enum class Stream : std::uint8_t { kStdout, kStderr };

  struct Line {
    std::string text;                 // the matching line, without its newline
    std::vector<std::string> groups;  // groups[0] is the whole match, then each sub-match
  };

  // Starts argv[0] (looked up in PATH when it has no '/') with `argv`, stdin from /dev/null,
  // stdout and stderr to fresh temporary files, default signal dispositions.
  static core::Result<ChildProcess> start(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool running();
  // Sends `signal_number`; false if the child is gone.
  bool signal(int signal_number);
  // Waits for the child to exit: its exit status, 128 + N when killed by signal N, nullopt
  // when still running after `timeout`.
  std::optional<int> wait_exit(Millis timeout);
  // Sends SIGTERM, waits up to `timeout`, then SIGKILL. Returns the exit code as above.
  int stop(Millis timeout = Millis(5000));

  // Waits until a line of `stream` after the last matched one contains a match of
  // `pattern`, a POSIX extended regular expression (regcomp(3) REG_EXTENDED: "[0-9]+", not
  // "\\d+"); the next call starts after that line. A failed wait consumes nothing. nullopt on
  // timeout, on an invalid pattern, or once the child has exited and its output holds no
  // such line. (POSIX regex rather than std::regex: GCC 12 warns inside <regex> under the
  // sanitizer presets, and the pattern compiles once per call either way.)
  std::optional<Line> wait_for_line(std::string_view pattern, Millis timeout,
                                    Stream stream = Stream::kStdout);

  // Everything the child wrote so far.
  std::string output(Stream stream) const;
  std::string stdout_text() const { return output(Stream::kStdout); }
  std::string stderr_text() const { return output(Stream::kStderr); }
  // "argv..., exit status, stdout, stderr" for assertion messages.
  std::string describe();

 private:
  ChildProcess() = default;
  void reap(int status);
  void release();

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::vector<std::string> argv_;
  std::string paths_[2];            // capture files of stdout and stderr
  std::uint64_t cursors_[2] = {0, 0};  // bytes up to the last line wait_for_line matched
};

// Resident set size of process `pid` in KiB (VmRSS of /proc/PID/status); nullopt if gone.
std::optional<std::uint64_t> read_rss_kib(pid_t pid);

}  // namespace ramjet::testing
