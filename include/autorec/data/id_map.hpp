#pragma once
// Raw ids (integers or any strings, as they appear in the file) to dense indices 0..n-1 and
// back. Indices are handed out in order of first appearance, so they are reproducible.

#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace autorec {

class IdMap {
 public:
  /// The ids "0", "1", ..., "n-1": for data that has indices and no raw ids of its own.
  static IdMap indices(int n) {
    IdMap ids;
    for (int i = 0; i < n; ++i) ids.insert(std::to_string(i));
    return ids;
  }

  /// The index of `raw`, adding it if new.
  int insert(std::string_view raw) {
    auto [it, added] = index_.try_emplace(std::string(raw), static_cast<int>(raw_.size()));
    if (added) raw_.push_back(it->first);
    return it->second;
  }

  /// The index of `raw`, or -1 when it was never seen.
  int find(std::string_view raw) const {
    const auto it = index_.find(std::string(raw));
    return it == index_.end() ? -1 : it->second;
  }

  /// The raw id of index `i`.
  const std::string& raw(int i) const {
    if (i < 0 || i >= size()) throw std::out_of_range("IdMap: no id at index " + std::to_string(i));
    return raw_[static_cast<std::size_t>(i)];
  }

  int size() const { return static_cast<int>(raw_.size()); }
  const std::vector<std::string>& raw_ids() const { return raw_; }

  friend bool operator==(const IdMap& a, const IdMap& b) { return a.raw_ == b.raw_; }

 private:
  std::unordered_map<std::string, int> index_;
  std::vector<std::string> raw_;
};

}  // namespace autorec
