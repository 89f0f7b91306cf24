#pragma once
// One user's ratings as lines `item,rating` (tab, "::" or spaces also separate; a first line
// whose rating is not a number is a header): what a new user brings to fold-in. For a model of
// implicit feedback, their items: lines `item`, or `item,value` with the value not used.

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "autorec/data/load.hpp"

namespace autorec {

namespace detail {
/// Calls `use(line, line_number)` for each non-blank line of `content` (a UTF-8 byte order
/// mark skipped, each line trimmed), numbering lines from 1.
template <typename Use>
void for_each_line(std::string_view content, Use&& use) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  long line_number = 0;
  for (std::size_t pos = 0; pos < content.size();) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    const std::string_view line = trim(content.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (!line.empty()) use(line, line_number);
  }
}
}  // namespace detail

/// The (raw item id, rating) pairs in `content` (a whole file; `path` names it in errors).
inline std::vector<std::pair<std::string, float>> parse_item_ratings(std::string_view content, const std::string& path) {
  std::vector<std::pair<std::string, float>> ratings;
  std::string delimiter;
  bool first = true;
  detail::for_each_line(content, [&](std::string_view line, long line_number) {
    if (delimiter.empty()) delimiter = detail::format_delimiter(RatingFormat::automatic, line);
    const auto fields = detail::split_fields(line, delimiter);
    double value = 0;
    const bool numeric = fields.size() == 2 && detail::parse_number(fields[1], value);
    if (first && fields.size() == 2 && !numeric) {  // a header
      first = false;
      return;
    }
    first = false;
    if (fields.size() != 2)
      throw RatingFileError(path, line_number, "expected 2 fields (item, rating), found " + std::to_string(fields.size()));
    if (fields[0].empty()) throw RatingFileError(path, line_number, "empty item id");
    if (!numeric || !std::isfinite(value) || std::abs(value) > 3.0e38)
      throw RatingFileError(path, line_number, "rating '" + printable(fields[1]) + "' is not a finite number");
    ratings.emplace_back(std::string(fields[0]), float(value));
  });
  if (ratings.empty()) throw RatingFileError(path, 0, "the file holds no ratings");
  return ratings;
}

/// The (raw item id, rating) pairs of `path`, in file order. Errors name the file and line.
inline std::vector<std::pair<std::string, float>> load_item_ratings(const std::string& path) {
  return parse_item_ratings(detail::read_file(path), path);
}

/// The raw item ids of `content` (a whole file; `path` names it in errors), one per line, in
/// file order, each once: the first field of lines `item` or `item,value` (the value is not
/// read: each listed item is one event). No header line: every line is an item.
inline std::vector<std::string> parse_item_list(std::string_view content, const std::string& path) {
  std::vector<std::string> items;
  std::unordered_set<std::string> seen;
  std::string delimiter;
  detail::for_each_line(content, [&](std::string_view line, long line_number) {
    // the delimiter is that of the first line with two fields; a line of one field has none
    const bool single = line.find_first_of(",\t: ") == std::string_view::npos;
    if (delimiter.empty() && !single) delimiter = detail::format_delimiter(RatingFormat::automatic, line);
    const auto fields = single ? std::vector<std::string_view>{line} : detail::split_fields(line, delimiter);
    if (fields.size() > 2)
      throw RatingFileError(path, line_number, "expected an item id (and at most one value), found " +
                                                   std::to_string(fields.size()) + " fields");
    if (fields[0].empty()) throw RatingFileError(path, line_number, "empty item id");
    if (seen.insert(std::string(fields[0])).second) items.emplace_back(fields[0]);
  });
  if (items.empty()) throw RatingFileError(path, 0, "the file holds no items");
  return items;
}

/// The item ids of `path` (parse_item_list). Errors name the file and line.
inline std::vector<std::string> load_item_list(const std::string& path) {
  return parse_item_list(detail::read_file(path), path);
}

}  // namespace autorec
