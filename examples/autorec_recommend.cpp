// autorec-recommend: top-N items from a model saved by autorec-train, for a user it knows, for
// many users, or for a new user folded in from their ratings (or, for a model of implicit
// feedback, their items). The model file holds what it needs; --ratings, when given, must be
// the file the model was trained from.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>

#include "autorec/data/fingerprint.hpp"
#include "autorec/data/item_ratings.hpp"
#include "autorec/data/load.hpp"
#include "autorec/data/printable.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/titles.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/model_file.hpp"
#include "autorec/serve/scorer.hpp"

namespace {

struct Settings {
  std::string model, ratings, user, users, new_user, output, titles, format = "auto";
  std::size_t top = 10;
  bool keep_last_duplicate = false;
};

// movies.csv, movies.dat or u.item beside a file, if any.
std::string find_titles(const std::string& beside) {
  if (beside.empty()) return {};
  const auto folder = std::filesystem::path(beside).parent_path();
  for (const char* name : {"movies.csv", "movies.dat", "u.item"})
    if (std::filesystem::exists(folder / name)) return (folder / name).string();
  return {};
}

// A Scorer for the model: from the file alone, or (model files before version 3) from the
// ratings file. A given ratings file must match the model's fingerprint.
autorec::Scorer<float> make_scorer(autorec::SavedModel<float> saved, const Settings& s) {
  using namespace autorec;
  if (s.ratings.empty()) {
    if (!saved.self_contained())
      throw std::runtime_error(s.model + " holds no training matrix (written by an older autorec); pass --ratings "
                               "with the ratings it was trained on, or train and save it again");
    return Scorer<float>(std::move(saved));
  }
  LoadOptions load_options;
  load_options.format = parse_rating_format(s.format);
  if (s.keep_last_duplicate) load_options.duplicates = DuplicatePolicy::keep_last;
  RatingData data;
  load_ratings(s.ratings, data, load_options);
  if (saved.self_contained()) {
    if (saved.fingerprint != 0 && fingerprint(data) != saved.fingerprint)
      throw std::runtime_error(s.ratings + " is not the ratings file " + s.model +
                               " was trained from (their fingerprints differ); drop --ratings, the model file "
                               "holds what it needs");
    return Scorer<float>(std::move(saved));
  }
  std::vector<Rating> known;  // in the model's indices; ids it never saw cannot be encoded
  for (const Rating& r : data.ratings) {
    const int user = saved.users.find(data.users.raw(r.user)), item = saved.items.find(data.items.raw(r.item));
    if (user >= 0 && item >= 0) known.push_back({user, item, r.value});
  }
  if (known.size() != data.ratings.size())
    throw std::runtime_error(s.ratings + ": " + std::to_string(data.ratings.size() - known.size()) +
                             " ratings are of users or items the model does not know: not the file it was trained on");
  const SparseColumns<float> input = rating_matrix<float>(known, saved.users.size(), saved.items.size(), saved.variant);
  return Scorer<float>(saved.model, saved.variant, saved.rules, input, saved.users, saved.items);
}

std::vector<int> read_users(const Settings& s, const autorec::Scorer<float>& scorer) {
  std::vector<int> users;
  if (s.users == "all") {
    for (int u = 0; u < scorer.user_count(); ++u) users.push_back(u);
    return users;
  }
  std::ifstream in(s.users);
  if (!in) throw std::runtime_error(s.users + ": cannot open the user list");
  std::string line;
  for (long number = 1; std::getline(in, line); ++number) {
    const std::string_view id = autorec::detail::trim(line);
    if (id.empty()) continue;
    try {
      users.push_back(scorer.user(id));
    } catch (const autorec::UnknownId& error) {
      throw std::runtime_error(s.users + ":" + std::to_string(number) + ": " + error.what());
    }
  }
  return users;
}

// The user of `path` folded in: their ratings, or for a model of implicit feedback their
// items; `used` is how many are in the model.
autorec::FoldedUser<float> fold_in_new_user(const autorec::Scorer<float>& scorer, const std::string& path,
                                            std::size_t& used) {
  using namespace autorec;
  const IdMap& items = scorer.item_ids();
  auto known = [&](const std::string& id) {
    if (items.find(id) >= 0) return true;
    std::cerr << "note: item '" << printable(id) << "' is not in the model; it is not used\n";
    return false;
  };
  if (!scorer.predicts_ratings()) {
    std::vector<int> indexed;
    for (const std::string& id : load_item_list(path))
      if (known(id)) indexed.push_back(items.find(id));
    if (indexed.empty()) throw std::runtime_error(path + ": none of its items is in the model");
    used = indexed.size();
    return scorer.fold_in_items(indexed);
  }
  std::vector<std::pair<int, float>> indexed;
  for (const auto& [id, value] : load_item_ratings(path))
    if (known(id)) indexed.emplace_back(items.find(id), value);
  if (indexed.empty()) throw std::runtime_error(path + ": none of its items is in the model");
  used = indexed.size();
  return scorer.fold_in(indexed);
}

int run(const Settings& s) {
  using namespace autorec;
  if (!s.output.empty()) {  // before any work: never over an input, and writable
    for (const std::string& input : {s.model, s.ratings, s.users, s.titles})
      if (!input.empty() && (s.output == input || same_file(s.output, input)))
        throw std::runtime_error("the output " + s.output + " is the input " + input + ": it would be overwritten");
    check_writable(s.output);
  }
  ModelFileContents<float> contents = parse_model_file<float>(read_model_bytes(s.model), s.model);
  SavedModel<float>* networks = std::get_if<SavedModel<float>>(&contents);
  if (networks == nullptr && !s.ratings.empty())
    throw std::runtime_error(s.model + " holds " +
                             (std::holds_alternative<SavedEase<float>>(contents) ? "an EASE model" : "a blend") +
                             ", which holds what it needs: drop --ratings");
  const Scorer<float> scorer =
      networks != nullptr ? make_scorer(std::move(*networks), s)
                          : std::visit([](auto&& saved) { return Scorer<float>(std::move(saved)); }, std::move(contents));
  const char* score_name = scorer.predicts_ratings() ? "predicted_rating" : "score";
  const TopN request{s.top, {}, {}, true};
  const IdMap& items = scorer.item_ids();

  if (!s.users.empty()) {  // many users: CSV
    const std::vector<int> users = read_users(s, scorer);
    const auto lists = scorer.recommend(users, request);
    std::ostringstream out;
    out << "user,rank,item," << score_name << "\n";
    for (std::size_t u = 0; u < users.size(); ++u)
      for (std::size_t rank = 0; rank < lists[u].size(); ++rank)
        out << scorer.user_ids().raw(users[u]) << "," << rank + 1 << "," << items.raw(lists[u][rank].item) << ","
            << lists[u][rank].rating << "\n";
    if (s.output.empty()) {
      std::cout << out.str() << std::flush;
      if (!std::cout) throw std::runtime_error("stdout: write failed");
      return 0;
    }
    write_file_atomically(s.output, out.str());
    // Onto a special file (--output /dev/stdout) the note goes to stderr, out of the CSV.
    (writes_in_place(s.output) ? std::cerr : std::cout)
        << "top " << s.top << " for " << users.size() << " users written to " << s.output << "\n";
    return 0;
  }

  std::vector<Recommendation> top;
  std::string who;
  if (!s.new_user.empty()) {
    std::size_t used = 0;
    top = scorer.recommend(fold_in_new_user(scorer, s.new_user, used), request);
    who = "the new user of " + s.new_user + " (" + std::to_string(used) +
          (scorer.predicts_ratings() ? " ratings)" : " items)");
  } else {
    const int user = scorer.user(s.user);
    if (!scorer.user_has_ratings(user))
      std::cerr << "note: user '" << s.user << "' has no training ratings; fold them in with --new-user\n";
    top = scorer.recommend(user, request);
    who = "user " + s.user;
  }
  const std::string titles_path = !s.titles.empty() ? s.titles : find_titles(s.ratings);
  const auto titles = titles_path.empty() ? decltype(load_titles("")){} : load_titles(titles_path);
  std::cout << "top " << top.size() << " for " << who << ":\n";
  for (std::size_t rank = 0; rank < top.size(); ++rank) {
    const std::string& id = items.raw(top[rank].item);
    const auto title = titles.find(id);
    std::cout << std::setw(3) << rank + 1 << ". " << std::fixed << std::setprecision(2) << top[rank].rating << "  "
              << (title == titles.end() ? "item " + id : title->second + " (" + id + ")") << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Top-N items from a model saved by autorec-train: for a user, many users, or a new user."};
  app.add_option("--model", s.model, "model file written by autorec-train --save")->required()->check(CLI::ExistingFile);
  auto* user = app.add_option("--user", s.user, "raw user id as in the ratings file");
  auto* users = app.add_option("--users", s.users, "a file of user ids (one per line), or 'all': CSV of top-N each");
  auto* new_user = app.add_option("--new-user", s.new_user, "a new user's ratings (lines item,rating), folded in; "
                                  "for a model of implicit feedback, their items (lines item)")
                       ->check(CLI::ExistingFile);
  user->excludes(users)->excludes(new_user);
  users->excludes(new_user);
  app.add_option("--output", s.output, "with --users: write the CSV here instead of stdout")->needs(users);
  app.add_option("--top", s.top, "how many items")->check(CLI::Range(1, 100000))->capture_default_str();
  app.add_option("--ratings", s.ratings, "the ratings file the model was trained from (checked against the model; "
                 "needed only for model files from before version 3)")->check(CLI::ExistingFile);
  app.add_option("--titles", s.titles, "movies.csv, movies.dat or u.item (default: beside --ratings)")
      ->check(CLI::ExistingFile);
  app.add_option("--format", s.format, "ratings file format")
      ->check(CLI::IsMember({"auto", "ml100k", "ml1m", "csv", "tsv"}))->capture_default_str();
  app.add_flag("--keep-last-duplicate", s.keep_last_duplicate, "a repeated (user, item) keeps its last rating");
  CLI11_PARSE(app, argc, argv);
  if (s.user.empty() && s.users.empty() && s.new_user.empty()) {
    std::cerr << "autorec-recommend: give --user ID, --users FILE|all or --new-user FILE\n";
    return 2;
  }
  try {
    return run(s);
  } catch (const std::exception& error) {
    std::cerr << "autorec-recommend: " << error.what() << "\n";
    return 1;
  }
}
