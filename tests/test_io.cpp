// Output files written atomically, learning-curve files and item titles.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "autorec/data/titles.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/learning_curve.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::TempFile;

namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}
std::vector<EpochReport> sample_history() {
  std::vector<EpochReport> history(3);
  for (int e = 0; e < 3; ++e) {
    history[std::size_t(e)].epoch = e + 1;
    history[std::size_t(e)].train_rmse = 1.0 - 0.1 * e;
    history[std::size_t(e)].validation_rmse = e == 1 ? 0.85 : 0.9;
    history[std::size_t(e)].best = e == 1;
    history[std::size_t(e)].seconds = 0.5;
  }
  return history;
}
}  // namespace

TEST_CASE("The learning curve CSV has a header and one row per epoch") {
  TempFile file("", ".csv");
  write_curve_csv(file.path(), sample_history());
  CHECK(read_text(file.path()) ==
        "epoch,train_rmse,validation_rmse,seconds\n1,1,0.9,0.5\n2,0.9,0.85,0.5\n3,0.8,0.9,0.5\n");
}

TEST_CASE("The learning curve SVG draws both curves and marks the kept epoch") {
  TempFile file("", ".svg");
  write_curve_svg(file.path(), sample_history(), "test curve");
  const std::string svg = read_text(file.path());
  CHECK(svg.rfind("<svg xmlns='http://www.w3.org/2000/svg'", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(svg.find("test curve") != std::string::npos);
  size_t polylines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  CHECK(polylines == 2);
  CHECK(svg.find("<circle") != std::string::npos);
}

TEST_CASE("Titles load from movies.csv with quoted titles, movies.dat and u.item") {
  TempFile csv("movieId,title,genres\r\n1,Toy Story (1995),Adventure|Animation\r\n"
               "11,\"American President, The (1995)\",Comedy\r\n12,\"A \"\"quoted\"\" title\",Drama\r\n", ".csv");
  const auto from_csv = load_titles(csv.path());
  CHECK(from_csv.size() == 3);
  CHECK(from_csv.at("1") == "Toy Story (1995)");
  CHECK(from_csv.at("11") == "American President, The (1995)");
  CHECK(from_csv.at("12") == "A \"quoted\" title");
  TempFile dat("1::Toy Story (1995)::Animation|Children's|Comedy\n", ".dat");
  CHECK(load_titles(dat.path()).at("1") == "Toy Story (1995)");
  TempFile item("1|Toy Story (1995)|01-Jan-1995||http://example|0|0\n", ".item");
  CHECK(load_titles(item.path()).at("1") == "Toy Story (1995)");
}

TEST_CASE("A malformed titles line is an error naming its line") {
  TempFile csv("movieId,title,genres\n1,\"unterminated\n", ".csv");
  CHECK_THROWS_WITH_AS(load_titles(csv.path()), (csv.path() + ":2: unterminated quoted title").c_str(),
                       std::runtime_error);
}

TEST_CASE("An atomic write replaces a symlink at the path instead of following it") {
  TempFile victim("precious");
  const std::string link = victim.path() + ".link";
  std::filesystem::create_symlink(victim.path(), link);
  write_file_atomically(link, "new content");
  CHECK(read_text(victim.path()) == "precious");
  CHECK_FALSE(std::filesystem::is_symlink(link));
  CHECK(read_text(link) == "new content");
  std::filesystem::remove(link);
}

TEST_CASE("A failed atomic write leaves no file behind and says why") {
  const std::string path = (std::filesystem::temp_directory_path() / "no-such-dir-autorec" / "out.bin").string();
  CHECK_THROWS_WITH_AS(write_file_atomically(path, "x"), doctest::Contains("cannot create a file in"), std::runtime_error);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_THROWS_AS(check_writable(path), std::runtime_error);
  CHECK_THROWS_WITH_AS(check_writable(std::filesystem::temp_directory_path().string()),
                       doctest::Contains("is a directory"), std::runtime_error);
}

TEST_CASE("An atomic write leaves only the target in its folder") {
  const auto folder = std::filesystem::temp_directory_path() / ("autorec-atomic-" + std::to_string(getpid()));
  std::filesystem::create_directories(folder);
  write_file_atomically((folder / "a.bin").string(), "one");
  write_file_atomically((folder / "a.bin").string(), "two");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) files += entry.is_regular_file();
  CHECK(files == 1);
  CHECK(read_text((folder / "a.bin").string()) == "two");
  std::filesystem::remove_all(folder);
}

TEST_CASE("same_file sees through another spelling of a path") {
  TempFile file("x");
  const auto path = std::filesystem::path(file.path());
  CHECK(same_file(file.path(), (path.parent_path() / "." / path.filename()).string()));
  CHECK_FALSE(same_file(file.path(), file.path() + ".other"));
}
