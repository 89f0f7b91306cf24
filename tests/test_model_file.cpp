// Model files: exact round trip and clear errors for damaged files.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "autorec/io/model_file.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::TempFile;

namespace {
SavedModel<float> sample() {
  AutoRec<float>::Options options;
  options.inputs = 3;
  options.hidden = 4;
  options.lambda = 12.5f;
  options.seed = 99;
  SavedModel<float> saved{AutoRec<float>(options), Variant::item, {0.5f, 5.0f, 3.0f}, {}, {}};
  for (const char* u : {"alice", "bob", "42"}) saved.users.insert(u);
  for (const char* i : {"m1", "m2"}) saved.items.insert(i);
  return saved;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string load_error(const std::string& path) {
  try {
    load_model<float>(path);
  } catch (const ModelFileError& error) {
    return std::string(error.what()).substr(path.size() + 2);
  }
  return "no error";
}
}  // namespace

TEST_CASE("A saved model loads back exactly") {
  TempFile file;
  const SavedModel<float> saved = sample();
  save_model(file.path(), saved);
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.parameters() == saved.model.parameters());
  CHECK(loaded.model.hidden() == 4);
  CHECK(loaded.model.lambda() == 12.5f);
  CHECK(loaded.variant == Variant::item);
  CHECK(loaded.rules.min_rating == 0.5f);
  CHECK(loaded.rules.default_rating == 3.0f);
  CHECK(loaded.users == saved.users);
  CHECK(loaded.items == saved.items);
}

TEST_CASE("A truncated model file is reported as truncated or corrupted") {
  TempFile file;
  save_model(file.path(), sample());
  const std::string bytes = read_bytes(file.path());
  write_bytes(file.path(), bytes.substr(0, bytes.size() - 9));
  CHECK(load_error(file.path()) == "checksum mismatch: the file is truncated or corrupted");
  write_bytes(file.path(), bytes.substr(0, 10));
  CHECK(load_error(file.path()) == "truncated: the file ends inside the version");
}

TEST_CASE("A flipped byte in a model file fails the checksum") {
  TempFile file;
  save_model(file.path(), sample());
  std::string bytes = read_bytes(file.path());
  bytes[bytes.size() / 2] ^= 0x10;
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "checksum mismatch: the file is truncated or corrupted");
}

TEST_CASE("A model file of another version is refused with both versions named") {
  TempFile file;
  save_model(file.path(), sample());
  std::string bytes = read_bytes(file.path());
  bytes[8] = 7;  // the version follows the 8-byte magic number
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "model file version 7 is not supported (this build reads version 1)");
}

TEST_CASE("A file that is not a model, or missing, or of another precision is refused") {
  TempFile text("user,item,rating\n");
  CHECK(load_error(text.path()) == "not an autorec model file (bad magic number)");
  CHECK(load_error("/nonexistent/model.bin") == "cannot open the model file (missing or unreadable)");
  TempFile file;
  save_model(file.path(), sample());
  CHECK_THROWS_WITH_AS(load_model<double>(file.path()),
                       (file.path() + ": holds 32-bit parameters, expected 64-bit").c_str(), ModelFileError);
}
