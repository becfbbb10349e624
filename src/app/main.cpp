#include <cstdio>

int main() {
  std::puts("ramjet 0.1.0");
  return 0;
}
