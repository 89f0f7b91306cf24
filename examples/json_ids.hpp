#pragma once
// Raw ids in JSON. A model's ids are the bytes of its training file, which need not be UTF-8
// (MovieLens 1M's titles are Latin-1, for one); JSON text must be. autorec-serve writes an id
// that is not valid UTF-8 as its Latin-1 reading (each byte one code point, U+0000-U+00FF),
// and reads an id back the same way when the model does not know it as sent, so every id a
// reply names can be sent in a request.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "autorec/data/id_map.hpp"

namespace autorec_serve {

/// Whether `text` is valid UTF-8 (shortest forms only, no surrogates, at most U+10FFFF).
inline bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    unsigned long point = lead;
    if (lead >= 0x80) {
      if (lead >= 0xC2 && lead <= 0xDF) length = 2, point = lead & 0x1F;
      else if (lead >= 0xE0 && lead <= 0xEF) length = 3, point = lead & 0x0F;
      else if (lead >= 0xF0 && lead <= 0xF4) length = 4, point = lead & 0x07;
      else return false;
      if (i + length > text.size()) return false;
      for (std::size_t j = 1; j < length; ++j) {
        const unsigned char next = static_cast<unsigned char>(text[i + j]);
        if ((next & 0xC0) != 0x80) return false;
        point = (point << 6) | (next & 0x3F);
      }
      static const unsigned long smallest[] = {0, 0, 0x80, 0x800, 0x10000};
      if (point < smallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return false;
    }
    i += length;
  }
  return true;
}

/// `raw` as JSON text: itself when UTF-8, else its Latin-1 reading in UTF-8.
inline std::string json_text(std::string_view raw) {
  if (is_utf8(raw)) return std::string(raw);
  std::string text;
  for (const char c : raw) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      text += c;
    } else {
      text += static_cast<char>(0xC0 | (byte >> 6));
      text += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return text;
}

/// The bytes whose Latin-1 reading is `text` (UTF-8), when every code point is below U+0100.
inline std::optional<std::string> latin1_bytes(std::string_view text) {
  std::string bytes;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      bytes += text[i];
    } else if ((byte == 0xC2 || byte == 0xC3) && i + 1 < text.size()) {
      bytes += static_cast<char>(((byte & 0x03) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F));
    } else {
      return std::nullopt;
    }
  }
  return bytes;
}

/// The raw id that JSON text `text` names in `ids`: itself when known, else the Latin-1
/// bytes it reads as when those are known, else `text` (for the caller's "unknown id" error).
inline std::string raw_id(const autorec::IdMap& ids, const std::string& text) {
  if (ids.find(text) >= 0) return text;
  if (const auto bytes = latin1_bytes(text); bytes && *bytes != text && ids.find(*bytes) >= 0) return *bytes;
  return text;
}

}  // namespace autorec_serve
