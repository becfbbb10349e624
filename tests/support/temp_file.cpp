#include "temp_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <utility>

namespace ramjet::testing {

TempFile::TempFile(std::string_view contents, std::string_view suffix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                        "/ramjet-test-XXXXXX" + std::string(suffix);
  int fd = ::mkostemps(pattern.data(), static_cast<int>(suffix.size()), O_CLOEXEC);
  if (fd < 0) {
    std::perror("TempFile: mkostemps");
    std::abort();
  }
  ::close(fd);
  path_ = std::move(pattern);
  write(contents);
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TempFile::~TempFile() {
  if (!path_.empty()) {
    ::unlink(path_.c_str());
  }
}

void TempFile::write(std::string_view contents) const {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

}  // namespace ramjet::testing
