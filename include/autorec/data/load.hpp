#pragma once
// Rating file loaders: MovieLens 100K `u.data` and its splits (tab separated), MovieLens
// 1M/10M `ratings.dat` (`::` separated), MovieLens latest/20M/25M `ratings.csv` (with a
// header), and any delimited `user item rating [timestamp]` file; with ratings_required off,
// also events files of `user item` lines (each an event of value 1). LF and CRLF both work.
// Every problem is an exception naming the file and the line; nothing is dropped silently. A
// comma-delimited file whose every fourth field is one digit is refused as decimal commas
// (`1,1,0,5`: rating 0,5?) unless a header names its columns.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "autorec/data/printable.hpp"
#include "autorec/data/ratings.hpp"

namespace autorec {

enum class RatingFormat { automatic, ml100k, ml1m, csv, tsv };

/// Parses "auto", "ml100k", "ml1m", "csv" or "tsv".
inline RatingFormat parse_rating_format(std::string_view name) {
  if (name == "auto") return RatingFormat::automatic;
  if (name == "ml100k") return RatingFormat::ml100k;
  if (name == "ml1m") return RatingFormat::ml1m;
  if (name == "csv") return RatingFormat::csv;
  if (name == "tsv") return RatingFormat::tsv;
  throw std::invalid_argument("unknown rating format '" + std::string(name) +
                              "' (expected auto, ml100k, ml1m, csv or tsv)");
}

/// A (user, item) given again: an error, the last line's value kept, or the largest value
/// kept (events merged: a pair is positive when any of its events is).
enum class DuplicatePolicy { error, keep_last, keep_max };
enum class HeaderPolicy { detect, present, absent };

struct LoadOptions {
  RatingFormat format = RatingFormat::automatic;
  /// Field separator; empty means the format's own (auto: "::", tab, comma or spaces,
  /// whichever the first line uses). " " means runs of spaces and tabs.
  std::string delimiter;
  HeaderPolicy header = HeaderPolicy::detect;  ///< detect: a first line with no numeric rating
  DuplicatePolicy duplicates = DuplicatePolicy::error;
  float min_rating = -std::numeric_limits<float>::infinity();  ///< ratings outside are errors
  float max_rating = std::numeric_limits<float>::infinity();
  /// false: a line may be just `user item` (an event, of value 1), as in a file of clicks
  /// or plays; a third field, when a line has one, is still a number.
  bool ratings_required = true;
};

/// A problem in a rating file; what() reads "FILE:LINE: what is wrong".
class RatingFileError : public std::runtime_error {
 public:
  RatingFileError(const std::string& path, long line, const std::string& message)
      : std::runtime_error(path + (line > 0 ? ":" + std::to_string(line) : std::string()) +
                           ": " + message),
        path_(path), line_(line) {}
  const std::string& path() const { return path_; }
  long line() const { return line_; }  ///< 1-based; 0 when the problem is the whole file

 private:
  std::string path_;
  long line_;
};

namespace detail {

inline std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

inline std::vector<std::string_view> split_fields(std::string_view line, const std::string& delimiter) {
  std::vector<std::string_view> fields;
  if (delimiter == " ") {
    std::size_t pos = 0;
    while (true) {
      pos = line.find_first_not_of(" \t", pos);
      if (pos == std::string_view::npos) break;
      const std::size_t end = std::min(line.find_first_of(" \t", pos), line.size());
      fields.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    return fields;
  }
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = line.find(delimiter, pos);
    fields.push_back(trim(line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos)));
    if (end == std::string_view::npos) break;
    pos = end + delimiter.size();
  }
  return fields;
}

inline bool parse_number(std::string_view text, double& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// Whether `user item` are column names, as an events file's header has them: "user", "userId",
// "user_id", "uid", ... for the first; "item", "itemId", "movieId", "sid", ... for the second.
inline bool names_event_columns(std::string_view user, std::string_view item) {
  auto normalised = [](std::string_view name) {
    std::string text;
    for (char c : name)
      if (c != '_' && c != '-' && c != ' ') text += char(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  static const char* const users[] = {"user", "userid", "uid", "users", "customer", "customerid", "visitorid",
                                      "sessionid", "session"};
  static const char* const items[] = {"item",  "itemid",    "sid",    "iid",   "movie",   "movieid", "product",
                                      "productid", "track", "trackid", "song", "songid", "artist", "artistid"};
  const std::string u = normalised(user), i = normalised(item);
  return std::any_of(std::begin(users), std::end(users), [&](const char* name) { return u == name; }) ||
         std::any_of(std::begin(items), std::end(items), [&](const char* name) { return i == name; });
}

inline std::string format_delimiter(RatingFormat format, std::string_view first_line) {
  switch (format) {
    case RatingFormat::ml100k:
    case RatingFormat::tsv: return "\t";
    case RatingFormat::ml1m: return "::";
    case RatingFormat::csv: return ",";
    case RatingFormat::automatic: break;
  }
  if (first_line.find("::") != std::string_view::npos) return "::";
  if (first_line.find('\t') != std::string_view::npos) return "\t";
  if (first_line.find(',') != std::string_view::npos) return ",";
  return " ";
}

// Finds (user, item) pairs given more than once among data.ratings[first..] by sorting their
// keys (O(n log n) time, 16 bytes a rating, where a hash set would need several times that).
// policy error: throws naming the earliest repeated line; keep_last: keeps the last line's;
// keep_max: keeps the last line's with the largest value of them all.
inline void resolve_duplicates(const std::string& path, RatingData& data, std::size_t first,
                               const std::vector<long>& line_of, DuplicatePolicy policy,
                               LoadSummary& summary) {
  const std::size_t n = data.ratings.size() - first;
  std::vector<std::pair<std::uint64_t, std::size_t>> keys(n);
  for (std::size_t r = 0; r < n; ++r) {
    const Rating& rating = data.ratings[first + r];
    keys[r] = {(std::uint64_t(std::uint32_t(rating.user)) << 32) | std::uint32_t(rating.item), r};
  }
  std::sort(keys.begin(), keys.end());
  std::vector<char> drop(n, 0);
  std::size_t repeat = n, original = n;  // earliest repeated line and its first occurrence
  for (std::size_t a = 0; a < n;) {
    std::size_t b = a + 1;
    while (b < n && keys[b].first == keys[a].first) ++b;
    if (b - a > 1) {
      if (repeat == n || line_of[keys[a + 1].second] < line_of[repeat])
        repeat = keys[a + 1].second, original = keys[a].second;
      for (std::size_t c = a; c + 1 < b; ++c) drop[keys[c].second] = 1;  // all but the last
      if (policy == DuplicatePolicy::keep_max) {
        float& kept = data.ratings[first + keys[b - 1].second].value;
        for (std::size_t c = a; c + 1 < b; ++c) kept = std::max(kept, data.ratings[first + keys[c].second].value);
      }
      summary.duplicates += static_cast<long>(b - a - 1);
    }
    a = b;
  }
  if (repeat != n && policy == DuplicatePolicy::error) {
    const Rating& rating = data.ratings[first + repeat];
    throw RatingFileError(path, line_of[repeat],
                          "duplicate rating for user '" + data.users.raw(rating.user) + "' and item '" +
                              data.items.raw(rating.item) + "' (first at line " +
                              std::to_string(line_of[original]) + "); pass keep-last to keep the last one");
  }
  std::size_t kept = first;
  for (std::size_t r = 0; r < n; ++r)
    if (!drop[r]) data.ratings[kept++] = data.ratings[first + r];
  data.ratings.resize(kept);
}

/// Lines longer than this are an error: a file without line breaks (or /dev/zero) is refused
/// after one MiB instead of being read without bound.
inline constexpr std::size_t kMaxLineBytes = std::size_t(1) << 20;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RatingFileError(path, 0, "cannot open the file (missing or unreadable)");
  std::string content;
  std::size_t line_start = 0;
  long lines = 1;
  std::vector<char> chunk(std::size_t(1) << 20);
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    const std::size_t got = std::size_t(in.gcount());
    const std::size_t before = content.size();
    content.append(chunk.data(), got);
    for (std::size_t i = before; i < content.size(); ++i)
      if (content[i] == '\n') {
        line_start = i + 1;
        ++lines;
      }
    if (content.size() - line_start > kMaxLineBytes)
      throw RatingFileError(path, lines, "line longer than " + std::to_string(kMaxLineBytes) + " bytes (not a ratings file?)");
  }
  if (in.bad()) throw RatingFileError(path, 0, "read error");
  return content;
}

// Ids are compared as text, so "1", "01", "1.0" and "+1" would be four users. Rather than
// let that pass silently, a file whose ids spell one number two ways is an error.
class NumericIds {
 public:
  explicit NumericIds(const IdMap& known) {
    for (const std::string& id : known.raw_ids()) clash(id);  // remembers each
  }
  // Call for each id new to its map; returns the earlier spelling of the same number, if any.
  const std::string* clash(std::string_view id) {
    double value;
    if (!parse_number(id, value)) return nullptr;
    const auto [it, added] = first_.try_emplace(value, std::string(id));
    return added ? nullptr : &it->second;
  }

 private:
  std::unordered_map<double, std::string> first_;
};

}  // namespace detail

namespace detail {

// The loaders' line-by-line parser: fed each line of a file in order, it appends the ratings
// to `data` (those `keep` accepts, when it is given; every id enters the id maps either way).
class RatingParser {
 public:
  using Keep = std::function<bool(int user, int item)>;
  RatingParser(const std::string& path, RatingData& data, const LoadOptions& options, Keep keep = {})
      : path_(path), data_(data), options_(options), keep_(std::move(keep)), first_ratings_(data.ratings.size()),
        user_in_file_(static_cast<std::size_t>(data.users.size()), 0),
        item_in_file_(static_cast<std::size_t>(data.items.size()), 0), delimiter_(options.delimiter),
        user_numbers_(data.users), item_numbers_(data.items) {
    summary_.path = path;
    summary_.min_rating = std::numeric_limits<float>::infinity();
    summary_.max_rating = -std::numeric_limits<float>::infinity();
  }

  void line(std::string_view raw) {
    // A UTF-8 byte order mark is not part of the first field.
    if (summary_.lines == 0 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);
    const std::string_view line = trim(raw);
    ++summary_.lines;
    if (line.empty()) return;

    if (delimiter_.empty()) delimiter_ = format_delimiter(options_.format, line);
    const auto fields = split_fields(line, delimiter_);
    const bool is_first = first_content_line_;
    first_content_line_ = false;
    double value = 1;  // an event's, when the line has no rating and none is required
    const bool event = fields.size() == 2 && !options_.ratings_required;
    const bool numeric_rating = event || (fields.size() >= 3 && parse_number(fields[2], value));
    // A header names its columns: none of its first three fields is a number. A first line
    // with numeric ids and a bad rating is a malformed rating, reported as one.
    // An event line `user item` has no rating to tell: it is a header only when it names the
    // columns (names_event_columns), so that ids such as `user0 item3` are never dropped.
    double ignored;
    bool any_number = numeric_rating && !event;
    for (std::size_t f = 0; f < 2 && f < fields.size(); ++f) any_number = any_number || parse_number(fields[f], ignored);
    const bool header_like = event ? names_event_columns(fields[0], fields[1]) : !any_number;
    if (is_first && (options_.header == HeaderPolicy::present ||
                     (options_.header == HeaderPolicy::detect && header_like &&
                      options_.format != RatingFormat::ml100k && options_.format != RatingFormat::ml1m))) {
      summary_.header = true;
      return;
    }
    const long line_number = summary_.lines;
    if (fields.size() < (options_.ratings_required ? 3u : 2u))
      throw RatingFileError(path_, line_number,
                            std::string(options_.ratings_required ? "expected at least 3 fields (user, item, rating)"
                                                                  : "expected at least 2 fields (user, item)") +
                                " separated by '" +
                                (delimiter_ == "\t" ? std::string("\\t") : delimiter_) + "', found " +
                                std::to_string(fields.size()));
    if (fields[0].empty() || fields[1].empty()) throw RatingFileError(path_, line_number, "empty user or item id");
    if (!numeric_rating)
      throw RatingFileError(path_, line_number, "rating '" + printable(fields[2]) + "' is not a number");
    if (!std::isfinite(value))
      throw RatingFileError(path_, line_number, "rating '" + printable(fields[2]) + "' is not finite");
    if (std::abs(value) > double(std::numeric_limits<float>::max()))
      throw RatingFileError(path_, line_number, "rating '" + printable(fields[2]) + "' is beyond the float range");
    const float rating = static_cast<float>(value);
    if (rating < options_.min_rating || rating > options_.max_rating)
      throw RatingFileError(path_, line_number,
                            "rating " + printable(fields[2]) + " is outside the allowed range [" +
                                std::to_string(options_.min_rating) + ", " + std::to_string(options_.max_rating) + "]");

    const int users_before = data_.users.size(), items_before = data_.items.size();
    const int user = data_.users.insert(fields[0]);
    const int item = data_.items.insert(fields[1]);
    for (const auto& [added, numbers, id, what] :
         {std::tuple{user == users_before, &user_numbers_, fields[0], "user"},
          std::tuple{item == items_before, &item_numbers_, fields[1], "item"}})
      if (added)
        if (const std::string* earlier = numbers->clash(id))
          throw RatingFileError(path_, line_number,
                                std::string(what) + " id '" + printable(id) + "' is the same number as the " + what +
                                    " id '" + printable(*earlier) +
                                    "' read before; ids are compared as text, so these would be two " + what +
                                    "s: write each id one way");
    user_in_file_.resize(static_cast<std::size_t>(data_.users.size()), 0);
    item_in_file_.resize(static_cast<std::size_t>(data_.items.size()), 0);
    summary_.users += !user_in_file_[static_cast<std::size_t>(user)];
    summary_.items += !item_in_file_[static_cast<std::size_t>(item)];
    user_in_file_[static_cast<std::size_t>(user)] = 1;
    item_in_file_[static_cast<std::size_t>(item)] = 1;

    note_decimal_comma(fields, line, line_number);
    ++parsed_;
    if (keep_) {  // the ratings left out count in the summary's range
      summary_.min_rating = std::min(summary_.min_rating, rating);
      summary_.max_rating = std::max(summary_.max_rating, rating);
      if (!keep_(user, item)) return;
    }
    data_.ratings.push_back({user, item, rating});
    line_of_.push_back(line_number);
  }

  LoadSummary finish() {
    check_decimal_comma();
    const std::size_t before = data_.ratings.size();
    resolve_duplicates(path_, data_, first_ratings_, line_of_, options_.duplicates, summary_);
    summary_.ratings = parsed_ - static_cast<long>(before - data_.ratings.size());
    if (summary_.ratings == 0) throw RatingFileError(path_, 0, "the file holds no ratings");
    for (std::size_t r = first_ratings_; r < data_.ratings.size(); ++r) {
      summary_.min_rating = std::min(summary_.min_rating, data_.ratings[r].value);
      summary_.max_rating = std::max(summary_.max_rating, data_.ratings[r].value);
    }
    return summary_;
  }

 private:
  const std::string& path_;
  RatingData& data_;
  const LoadOptions& options_;
  Keep keep_;
  LoadSummary summary_;
  std::size_t first_ratings_;
  long parsed_ = 0;
  std::vector<long> line_of_;  // file line of each rating appended
  std::vector<char> user_in_file_, item_in_file_;
  std::string delimiter_;
  bool first_content_line_ = true;
  NumericIds user_numbers_, item_numbers_;
  // Decimal commas: while every line of a comma-delimited file without a header has a whole
  // rating and a one-digit fourth field, `1,1,0,5` may mean rating 0.5, not 0 at time 5.
  bool decimal_comma_ = true;
  long decimal_comma_line_ = 0;
  std::string decimal_comma_text_, decimal_comma_rating_;

  // Real timestamps have many digits: one line without a one-digit fourth field (or with a
  // rating holding a point) clears the suspicion for the whole file.
  void note_decimal_comma(const std::vector<std::string_view>& fields, std::string_view line, long line_number) {
    if (!decimal_comma_) return;
    auto digits = [](std::string_view f) {
      return !f.empty() && std::all_of(f.begin(), f.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    decimal_comma_ = delimiter_ == "," && !summary_.header && fields.size() >= 4 && digits(fields[2]) &&
                     fields[3].size() == 1 && digits(fields[3]);
    if (decimal_comma_ && decimal_comma_line_ == 0) {
      decimal_comma_line_ = line_number;
      decimal_comma_text_ = printable(line);
      decimal_comma_rating_ = std::string(fields[2]) + "," + std::string(fields[3]);
    }
  }
  void check_decimal_comma() const {
    if (!decimal_comma_ || decimal_comma_line_ == 0) return;
    throw RatingFileError(path_, decimal_comma_line_,
                          "'" + decimal_comma_text_ + "': every line's fourth field is a single digit, which looks "
                          "like a decimal comma (rating " + decimal_comma_rating_ + "?) rather than a timestamp; "
                          "write ratings with a decimal point or use another delimiter (or give the file a "
                          "header line naming its columns)");
  }
};

}  // namespace detail

/// Parses `content` (a whole ratings file, `path` names it in errors) and appends its ratings
/// to `data`, as load_ratings does.
inline LoadSummary parse_ratings(std::string_view content, const std::string& path, RatingData& data,
                                 const LoadOptions& options = {}) {
  detail::RatingParser parser(path, data, options);
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string::npos) end = content.size();
    parser.line(content.substr(pos, end - pos));
    pos = end + 1;
  }
  return parser.finish();
}

/// Reads `path` a block at a time, never holding more of it than a block, and appends to
/// `data` only the ratings `keep(user, item)` accepts (user and item: their indices in
/// data's id maps, which gain every id of the file). So a process that trains on part of a
/// file (autorec-train-mpi) holds only that part; the summary counts the whole file's
/// ratings and range, and duplicates are looked for among the kept ratings.
inline LoadSummary load_ratings_where(const std::string& path, RatingData& data, const LoadOptions& options,
                                      const std::function<bool(int user, int item)>& keep) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RatingFileError(path, 0, "cannot open the file (missing or unreadable)");
  detail::RatingParser parser(path, data, options, keep);
  std::string pending;
  std::vector<char> chunk(std::size_t(1) << 20);
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    pending.append(chunk.data(), std::size_t(in.gcount()));
    std::size_t pos = 0;
    for (std::size_t end; (end = pending.find('\n', pos)) != std::string::npos; pos = end + 1)
      parser.line(std::string_view(pending).substr(pos, end - pos));
    pending.erase(0, pos);
    if (pending.size() > detail::kMaxLineBytes)
      throw RatingFileError(path, 0, "a line longer than " + std::to_string(detail::kMaxLineBytes) +
                                         " bytes (not a ratings file?)");
  }
  if (in.bad()) throw RatingFileError(path, 0, "read error");
  if (!pending.empty()) parser.line(pending);
  return parser.finish();
}

/// Reads `path` and appends its ratings to `data`, extending data.users and data.items with
/// ids not seen before (so a test file loaded after its train file shares the indices).
/// Duplicates are looked for within this file only.
inline LoadSummary load_ratings(const std::string& path, RatingData& data, const LoadOptions& options = {}) {
  return parse_ratings(detail::read_file(path), path, data, options);
}

}  // namespace autorec
