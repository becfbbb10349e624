#pragma once
// TempFile: a file with given contents under $TMPDIR (or /tmp), removed when the object is
// destroyed. For configuration files and request bodies that tests hand to child processes.

#include <string>
#include <string_view>

namespace ramjet::testing {

class TempFile {
 public:
  // Creates the file ("ramjet-test-XXXXXX" + suffix, e.g. ".yaml") holding `contents`.
  // Aborts the test binary if the file cannot be created: nothing useful can follow.
  explicit TempFile(std::string_view contents, std::string_view suffix = "");
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  const std::string& path() const { return path_; }
  // Replaces the contents (e.g. before a reload).
  void write(std::string_view contents) const;

 private:
  std::string path_;
};

}  // namespace ramjet::testing
