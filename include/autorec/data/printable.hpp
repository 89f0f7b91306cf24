#pragma once
// Text from files and requests, made safe to show in an error message: at most 64 bytes,
// control bytes escaped as \xNN, so a 10 MB field or a terminal escape sequence is neither
// echoed whole nor executed by the terminal.

#include <string>
#include <string_view>

namespace autorec {

inline std::string printable(std::string_view text, std::size_t limit = 64) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (char c : text.substr(0, limit)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  if (text.size() > limit) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace autorec
