#pragma once
// A strong-generalisation split as five files in one folder, as the Mult-VAE authors'
// preprocessing writes them: train.csv, validation_tr.csv, validation_te.csv, test_tr.csv,
// test_te.csv, each with the header `uid,sid` and one (user, item) pair a line. The _tr files
// are the held-out users' folded-in items, the _te files their targets.
//
// Reading: the catalogue is train.csv's items, in order of first appearance; held-out pairs
// of other items are dropped and counted; a user in two of train, validation and test is an
// error, as is a pair both folded in and a target.

#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/implicit.hpp"
#include "autorec/data/load.hpp"
#include "autorec/io/atomic_file.hpp"

namespace autorec {

inline const std::vector<std::string>& heldout_split_file_names() {
  static const std::vector<std::string> names{"train.csv", "validation_tr.csv", "validation_te.csv", "test_tr.csv",
                                              "test_te.csv"};
  return names;
}

namespace detail {

inline RatingData read_pairs(const std::string& path) {
  LoadOptions options;
  options.format = RatingFormat::csv;
  options.ratings_required = false;
  options.duplicates = DuplicatePolicy::keep_max;
  RatingData data;
  load_ratings(path, data, options);
  return data;
}

inline std::string pairs_csv(const std::vector<std::string>& users, const ItemSets& rows, const IdMap& items) {
  std::ostringstream out;
  out << "uid,sid\n";
  for (int r = 0; r < rows.rows(); ++r)
    for (int item : rows.row(r)) out << users[std::size_t(r)] << ',' << items.raw(item) << '\n';
  return out.str();
}

// The held-out users of a _tr and a _te file, in order of first appearance in either.
inline HeldoutUsers read_heldout(const std::string& fold_in_path, const std::string& targets_path,
                                 const IdMap& catalogue, const std::map<std::string, std::string>& taken,
                                 ImplicitSummary& summary, std::map<std::string, std::string>& now_taken) {
  const RatingData fold_in = read_pairs(fold_in_path), targets = read_pairs(targets_path);
  IdMap users;
  for (const RatingData* file : {&fold_in, &targets})
    for (const std::string& user : file->users.raw_ids()) users.insert(user);
  std::vector<std::vector<int>> rows[2];
  for (int part = 0; part < 2; ++part) {
    const RatingData& file = part == 0 ? fold_in : targets;
    rows[part].resize(std::size_t(users.size()));
    for (const Rating& r : file.ratings) {
      const int item = catalogue.find(file.items.raw(r.item));
      if (item < 0) ++summary.heldout_outside;
      else rows[part][std::size_t(users.find(file.users.raw(r.user)))].push_back(item);
    }
  }
  HeldoutUsers held;
  for (int u = 0; u < users.size(); ++u) {
    const std::string& id = users.raw(u);
    if (const auto it = taken.find(id); it != taken.end())
      throw RatingFileError(fold_in_path, 0, "user '" + printable(id) + "' is also in " + it->second +
                                                 ": a strong-generalisation split holds each user in one part");
    now_taken.emplace(id, fold_in_path);
    held.users.push_back(id);
    held.fold_in.add_row(rows[0][std::size_t(u)]);
    held.targets.add_row(rows[1][std::size_t(u)]);
    for (int item : held.targets.row(u))
      if (held.fold_in.row(u).contains(item))
        throw RatingFileError(targets_path, 0, "user '" + printable(id) + "' has item '" +
                                                   printable(catalogue.raw(item)) + "' both folded in (" +
                                                   fold_in_path + ") and as a target");
    summary.unscored_users += held.targets.row(u).empty();
  }
  return held;
}

}  // namespace detail

/// Reads the five files in `folder`. Errors name the file (and line, for a malformed line).
inline ImplicitData load_heldout_split(const std::string& folder, ImplicitSummary* summary_out = nullptr) {
  const std::filesystem::path dir(folder);
  std::vector<std::string> paths;
  for (const std::string& name : heldout_split_file_names()) {
    paths.push_back((dir / name).string());
    if (!std::filesystem::is_regular_file(paths.back()))
      throw RatingFileError(paths.back(), 0, "missing: a held-out split folder holds train.csv, validation_tr.csv, "
                                             "validation_te.csv, test_tr.csv and test_te.csv");
  }
  ImplicitSummary summary;
  summary.threshold = -std::numeric_limits<double>::infinity();
  ImplicitData split;
  const RatingData train = detail::read_pairs(paths[0]);
  std::vector<std::vector<int>> rows(std::size_t(train.users.size()));
  for (const Rating& r : train.ratings)
    rows[std::size_t(r.user)].push_back(split.items.insert(train.items.raw(r.item)));
  std::map<std::string, std::string> taken;
  for (int u = 0; u < train.users.size(); ++u) {
    split.train_users.push_back(train.users.raw(u));
    split.train.add_row(std::move(rows[std::size_t(u)]));
    taken.emplace(train.users.raw(u), paths[0]);
  }
  std::map<std::string, std::string> validation_taken;
  split.validation = detail::read_heldout(paths[1], paths[2], split.items, taken, summary, validation_taken);
  taken.insert(validation_taken.begin(), validation_taken.end());
  std::map<std::string, std::string> test_taken;
  split.test = detail::read_heldout(paths[3], paths[4], split.items, taken, summary, test_taken);
  summary.events = summary.positives = long(train.ratings.size());
  summary.heldout_users = int(split.test.users.size());
  summary.users_kept = int(split.train_users.size() + split.validation.users.size() + split.test.users.size());
  if (summary_out) *summary_out = summary;
  return split;
}

/// Writes `split` as the five files in `folder` (created if missing), each atomically, so a
/// reference implementation can run on the very same split.
inline void write_heldout_split(const std::string& folder, const ImplicitData& split) {
  std::filesystem::create_directories(folder);
  const std::filesystem::path dir(folder);
  const auto& names = heldout_split_file_names();
  write_file_atomically((dir / names[0]).string(), detail::pairs_csv(split.train_users, split.train, split.items));
  const HeldoutUsers* groups[2] = {&split.validation, &split.test};
  for (int g = 0; g < 2; ++g) {
    write_file_atomically((dir / names[std::size_t(1 + 2 * g)]).string(),
                          detail::pairs_csv(groups[g]->users, groups[g]->fold_in, split.items));
    write_file_atomically((dir / names[std::size_t(2 + 2 * g)]).string(),
                          detail::pairs_csv(groups[g]->users, groups[g]->targets, split.items));
  }
}

}  // namespace autorec
