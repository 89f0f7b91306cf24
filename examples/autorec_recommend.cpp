// autorec-recommend: load a model saved by autorec-train and the ratings it was trained on,
// and print the top-N unseen items for a user with predicted ratings and titles.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <string>

#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/data/titles.hpp"
#include "autorec/eval/recommend.hpp"
#include "autorec/io/model_file.hpp"

namespace {

struct Settings {
  std::string model, ratings, user, titles, format = "auto";
  std::size_t top = 10;
  bool keep_last_duplicate = false;
};

// movies.csv, movies.dat or u.item beside the ratings file, if any.
std::string find_titles(const std::string& ratings) {
  const auto folder = std::filesystem::path(ratings).parent_path();
  for (const char* name : {"movies.csv", "movies.dat", "u.item"})
    if (std::filesystem::exists(folder / name)) return (folder / name).string();
  return {};
}

int run(const Settings& s) {
  using namespace autorec;
  SavedModel<float> saved = load_model<float>(s.model);
  // The model's id maps give the indices; ratings of ids it never saw cannot be encoded.
  RatingData data{saved.users, saved.items, {}};
  LoadOptions load_options;
  load_options.format = parse_rating_format(s.format);
  if (s.keep_last_duplicate) load_options.duplicates = DuplicatePolicy::keep_last;
  load_ratings(s.ratings, data, load_options);
  std::vector<Rating> known;
  for (const Rating& r : data.ratings)
    if (r.user < saved.users.size() && r.item < saved.items.size()) known.push_back(r);
  if (known.size() != data.ratings.size())
    std::cerr << "note: " << data.ratings.size() - known.size()
              << " ratings are of users or items the model does not know; they are not used\n";
  const int user = saved.users.find(s.user);
  if (user < 0) throw std::runtime_error("user '" + s.user + "' is not in the model");
  const SparseColumns<float> input =
      rating_matrix<float>(known, saved.users.size(), saved.items.size(), saved.variant);
  const auto top = recommend(saved.model, input, saved.variant, saved.rules, user, s.top);

  const std::string titles_path = s.titles.empty() ? find_titles(s.ratings) : s.titles;
  const auto titles = titles_path.empty() ? decltype(load_titles("")){} : load_titles(titles_path);
  std::cout << "top " << top.size() << " for user " << s.user << ":\n";
  for (std::size_t rank = 0; rank < top.size(); ++rank) {
    const std::string& id = saved.items.raw(top[rank].item);
    const auto title = titles.find(id);
    std::cout << std::setw(3) << rank + 1 << ". " << std::fixed << std::setprecision(2) << top[rank].rating
              << "  " << (title == titles.end() ? "item " + id : title->second + " (" + id + ")") << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Top-N unseen items for a user from a model saved by autorec-train."};
  app.add_option("--model", s.model, "model file written by autorec-train --save")->required()->check(CLI::ExistingFile);
  app.add_option("--ratings", s.ratings, "the ratings the model was trained on")->required()->check(CLI::ExistingFile);
  app.add_option("--user", s.user, "raw user id as in the ratings file")->required();
  app.add_option("--top", s.top, "how many items")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--titles", s.titles, "movies.csv, movies.dat or u.item (default: beside the ratings)")
      ->check(CLI::ExistingFile);
  app.add_option("--format", s.format, "ratings file format")
      ->check(CLI::IsMember({"auto", "ml100k", "ml1m", "csv", "tsv"}))->capture_default_str();
  app.add_flag("--keep-last-duplicate", s.keep_last_duplicate, "a repeated (user, item) keeps its last rating");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(s);
  } catch (const std::exception& error) {
    std::cerr << "autorec-recommend: " << error.what() << "\n";
    return 1;
  }
}
