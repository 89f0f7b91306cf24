// Model files: exact round trip and clear errors for damaged files.
#include <doctest/doctest.h>

#include <cstring>
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
  // None of the rules is the struct's default, so a reader that drops one is caught.
  SavedModel<float> saved{AutoRec<float>(options), Variant::user, {0.5f, 4.5f, 3.25f}, {}, {}};
  for (const char* u : {"alice", "bob"}) saved.users.insert(u);
  for (const char* i : {"m1", "m2", "m3"}) saved.items.insert(i);
  return saved;
}

// The same model as `sample()` written in version 1's layout (hidden size, no architecture).
std::string version_1_bytes(const SavedModel<float>& saved) {
  detail::Writer out;
  out.put_bytes(kModelFileMagic, sizeof kModelFileMagic);
  out.put(std::uint32_t(1));
  out.put(std::uint32_t(sizeof(float)));
  out.put(std::uint32_t(saved.variant == Variant::item ? 0 : 1));
  out.put(std::int64_t(saved.model.inputs()));
  out.put(std::int64_t(saved.model.hidden_sizes().front()));
  out.put(double(saved.model.lambda()));
  out.put(std::uint64_t(saved.model.options().seed));
  out.put(saved.rules.min_rating);
  out.put(saved.rules.max_rating);
  out.put(saved.rules.default_rating);
  out.put_ids(saved.users);
  out.put_ids(saved.items);
  out.put(std::uint64_t(saved.model.parameters().size()));
  out.put_bytes(saved.model.parameters().data(), sizeof(float) * std::size_t(saved.model.parameters().size()));
  out.put(detail::fnv1a(out.bytes().data(), out.bytes().size()));
  return out.bytes();
}

// Rewrites the checksum after a deliberate edit, so the reader's other checks are reached.
void reseal(std::string& bytes) {
  const std::uint64_t checksum = detail::fnv1a(bytes.data(), bytes.size() - 8);
  std::memcpy(&bytes[bytes.size() - 8], &checksum, 8);
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
  CHECK(loaded.model.hidden_sizes() == std::vector<Index>{4});
  CHECK(loaded.model.lambda() == 12.5f);
  CHECK(loaded.variant == Variant::user);
  CHECK(loaded.rules.min_rating == 0.5f);
  CHECK(loaded.rules.max_rating == 4.5f);
  CHECK(loaded.rules.default_rating == 3.25f);
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
  CHECK(load_error(file.path()) == "model file version 7 is not supported (this build reads versions 1 to 2)");
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

TEST_CASE("A deep network with dropout and another activation loads back with its architecture") {
  AutoRec<float>::Options options;
  options.inputs = 3;
  options.hidden = {6, 2, 5};
  options.activation = "elu";
  options.output_activation = "sigmoid";
  options.dropout = 0.25;
  options.input_dropout = 0.1;
  SavedModel<float> saved = sample();
  saved.model = AutoRec<float>(options);
  TempFile file;
  save_model(file.path(), saved);
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.architecture().describe() == "3-6-2-5-3, elu, dropout 0.25, output sigmoid, input dropout 0.1");
  CHECK(loaded.model.hidden_sizes() == std::vector<Index>{6, 2, 5});
  CHECK(loaded.model.parameters() == saved.model.parameters());
  CHECK(loaded.model.parameter_groups().size() == saved.model.parameter_groups().size());
}

TEST_CASE("A version-1 model file loads as the one-hidden-layer sigmoid network with the same parameters") {
  const SavedModel<float> saved = sample();
  TempFile file;
  write_bytes(file.path(), version_1_bytes(saved));
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.architecture().describe() == "3-4-3, sigmoid, output identity");
  CHECK(loaded.model.parameters() == saved.model.parameters());
  CHECK(loaded.model.lambda() == 12.5f);
  CHECK(loaded.rules.max_rating == 4.5f);
  CHECK(loaded.users == saved.users);
}

TEST_CASE("Crafted layer sizes that the stored parameters cannot hold are refused before allocating") {
  TempFile file;
  save_model(file.path(), sample());
  std::string bytes = read_bytes(file.path());
  const std::int64_t huge = std::int64_t(1) << 50;
  std::memcpy(&bytes[28], &huge, sizeof huge);  // the first width follows magic, 3 u32 and inputs
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "corrupted: the layer sizes do not match the parameter count");
}

TEST_CASE("An unknown stage kind in a model file is named in the error") {
  TempFile file;
  save_model(file.path(), sample());
  std::string bytes = read_bytes(file.path());
  const std::size_t at = bytes.find("sigmoid");
  REQUIRE(at != std::string::npos);
  bytes.replace(at, 7, "sigmaid");
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()).rfind("corrupted architecture: unknown layer kind 'sigmaid'", 0) == 0);
}
