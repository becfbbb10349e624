#include "admin/assets.hpp"

namespace ramjet::admin {

const Asset* find_asset(std::string_view name) {
  for (const Asset& a : embedded_assets()) {
    if (a.name == name) {
      return &a;
    }
  }
  return nullptr;
}

}  // namespace ramjet::admin
