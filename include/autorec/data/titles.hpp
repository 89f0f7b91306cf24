#pragma once
// Item titles from MovieLens metadata: movies.csv (movieId,title,genres; titles may be
// quoted), movies.dat (MovieID::Title::Genres) or ML-100K u.item (id|title|...).

#include <fstream>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace autorec {

/// Raw item id -> title. Throws naming the file and line on a malformed line.
inline std::unordered_map<std::string, std::string> load_titles(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open the titles file");
  // The separator follows from the file's kind: genres in movies.csv contain '|' and titles
  // in u.item contain ',', so guessing from a line would go wrong.
  const auto ends_with = [&](const char* suffix) {
    const std::string tail(suffix);
    return path.size() >= tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  const std::string separator = ends_with(".csv") ? "," : ends_with(".dat") ? "::" : "|";
  std::unordered_map<std::string, std::string> titles;
  std::string line;
  long number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto sep = line.find(separator);
    if (sep == std::string::npos)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected an id and a title separated by '" +
                               separator + "'");
    const std::string id = line.substr(0, sep);
    std::string title;
    std::size_t p = sep + separator.size();
    if (separator == "," && number == 1 && id == "movieId") continue;  // header
    if (separator == "," && p < line.size() && line[p] == '"') {  // quoted; "" is a literal quote
      for (++p; p < line.size(); ++p) {
        if (line[p] == '"' && p + 1 < line.size() && line[p + 1] == '"') title += '"', ++p;
        else if (line[p] == '"') break;
        else title += line[p];
      }
      if (p >= line.size())
        throw std::runtime_error(path + ":" + std::to_string(number) + ": unterminated quoted title");
    } else {
      const auto end = line.find(separator, p);
      title = line.substr(p, end == std::string::npos ? std::string::npos : end - p);
    }
    titles[id] = title;
  }
  return titles;
}

}  // namespace autorec
