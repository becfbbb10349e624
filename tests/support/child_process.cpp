#include "child_process.hpp"

#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace ramjet::testing {
namespace {

constexpr Millis kPollInterval{2};

// Creates an empty temporary file for a capture; returns its fd (close-on-exec) and path.
int make_capture_file(const char* tag, std::string& path) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                        "/ramjet-child-" + tag + "-XXXXXX";
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd >= 0) {
    path = pattern;
  }
  return fd;
}

std::string read_from(const std::string& path, std::uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return {};
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

}  // namespace

core::Result<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return core::Error{"ChildProcess: empty argv", {}};
  }
  ChildProcess child;
  child.argv_ = argv;
  int out_fd = make_capture_file("out", child.paths_[0]);
  int err_fd = make_capture_file("err", child.paths_[1]);
  if (out_fd < 0 || err_fd < 0) {
    ::close(out_fd);
    ::close(err_fd);
    return core::Error{"ChildProcess: cannot create capture files", std::strerror(errno)};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) {
    sigaddset(&defaults, s);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = argv[0].find('/') == std::string::npos
               ? ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ)
               : ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_fd);
  ::close(err_fd);
  if (rc != 0) {
    return core::Error{"ChildProcess: cannot start", argv[0] + ": " + std::strerror(rc)};
  }
  child.pid_ = pid;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_code_(other.exit_code_),
      argv_(std::move(other.argv_)),
      paths_{std::move(other.paths_[0]), std::move(other.paths_[1])},
      cursors_{other.cursors_[0], other.cursors_[1]} {
  other.paths_[0].clear();
  other.paths_[1].clear();
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
    argv_ = std::move(other.argv_);
    for (int i = 0; i < 2; ++i) {
      paths_[i] = std::move(other.paths_[i]);
      other.paths_[i].clear();
      cursors_[i] = other.cursors_[i];
    }
  }
  return *this;
}

ChildProcess::~ChildProcess() { release(); }

void ChildProcess::release() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reap(status);
  }
  for (std::string& path : paths_) {
    if (!path.empty()) {
      ::unlink(path.c_str());
      path.clear();
    }
  }
  pid_ = -1;
}

void ChildProcess::reap(int status) { exit_code_ = decode_status(status); }

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_code_.has_value()) {
    return false;
  }
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return r == 0;
}

bool ChildProcess::signal(int signal_number) {
  return running() && ::kill(pid_, signal_number) == 0;
}

std::optional<int> ChildProcess::wait_exit(Millis timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (running()) {  // bounded by `timeout`
    if (std::chrono::steady_clock::now() >= give_up) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_code_;
}

int ChildProcess::stop(Millis timeout) {
  signal(SIGTERM);
  if (auto code = wait_exit(timeout)) {
    return *code;
  }
  signal(SIGKILL);
  return wait_exit(Millis(5000)).value_or(-1);
}

// A compiled POSIX extended regular expression, freed on scope exit.
class PosixRegex {
 public:
  explicit PosixRegex(std::string_view pattern) {
    ok_ = ::regcomp(&regex_, std::string(pattern).c_str(), REG_EXTENDED) == 0;
  }
  ~PosixRegex() {
    if (ok_) {
      ::regfree(&regex_);
    }
  }
  PosixRegex(const PosixRegex&) = delete;
  PosixRegex& operator=(const PosixRegex&) = delete;
  bool ok() const { return ok_; }

  // On a match, fills `groups` (whole match first; unmatched groups are empty).
  bool search(const std::string& text, std::vector<std::string>& groups) const {
    constexpr std::size_t kMaxGroups = 10;
    regmatch_t m[kMaxGroups];
    if (::regexec(&regex_, text.c_str(), kMaxGroups, m, 0) != 0) {
      return false;
    }
    groups.clear();
    for (std::size_t i = 0; i <= regex_.re_nsub && i < kMaxGroups; ++i) {
      if (m[i].rm_so < 0) {
        groups.emplace_back();
      } else {
        groups.push_back(text.substr(static_cast<std::size_t>(m[i].rm_so),
                                     static_cast<std::size_t>(m[i].rm_eo - m[i].rm_so)));
      }
    }
    return true;
  }

 private:
  regex_t regex_{};
  bool ok_ = false;
};

std::optional<ChildProcess::Line> ChildProcess::wait_for_line(std::string_view pattern,
                                                              Millis timeout, Stream stream) {
  const PosixRegex regex(pattern);
  if (!regex.ok()) {
    std::fprintf(stderr, "ChildProcess::wait_for_line: invalid pattern '%.*s'\n",
                 static_cast<int>(pattern.size()), pattern.data());
    return std::nullopt;
  }
  const auto index = static_cast<std::size_t>(stream);
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {  // bounded by `timeout` or the child's exit
    // Read the exit state first: output written before the exit is then surely visible.
    const bool exited = !running();
    const std::string fresh = read_from(paths_[index], cursors_[index]);
    std::size_t pos = 0;
    while (pos < fresh.size()) {  // bounded by the output's length
      std::size_t nl = fresh.find('\n', pos);
      if (nl == std::string::npos && !exited) {
        break;  // a partial line waits for its newline while the child runs
      }
      std::size_t end = nl == std::string::npos ? fresh.size() : nl;
      Line line;
      line.text = fresh.substr(pos, end - pos);
      pos = nl == std::string::npos ? fresh.size() : nl + 1;
      if (regex.search(line.text, line.groups)) {
        cursors_[index] += pos;  // only a match moves the cursor
        return line;
      }
    }
    if (exited || std::chrono::steady_clock::now() >= give_up) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string ChildProcess::output(Stream stream) const {
  return read_from(paths_[static_cast<std::size_t>(stream)], 0);
}

std::string ChildProcess::describe() {
  std::string text = "command:";
  for (const std::string& a : argv_) {
    text.append(" ").append(a);
  }
  text.append(running() ? "\nstate: running" : "\nstate: exited ");
  if (exit_code_.has_value()) {
    text.append(std::to_string(*exit_code_));
  }
  text.append("\n--- stdout ---\n").append(stdout_text());
  text.append("\n--- stderr ---\n").append(stderr_text());
  return text;
}

std::optional<std::uint64_t> read_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {  // bounded by the file's length
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtoull(line.c_str() + 6, nullptr, 10);
    }
  }
  return std::nullopt;
}

}  // namespace ramjet::testing
