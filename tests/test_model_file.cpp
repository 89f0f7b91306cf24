// Model files: exact round trip and clear errors for damaged files.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <fstream>
#include <iterator>
#include <thread>

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
  RatingData data;
  for (const char* u : {"alice", "bob"}) data.users.insert(u);
  for (const char* i : {"m1", "m2", "m3"}) data.items.insert(i);
  data.ratings = {{0, 0, 4.5f}, {0, 2, 1}, {1, 1, 3}};
  PredictionRules rules;
  rules.min_rating = 0.5f;
  rules.max_rating = 4.5f;
  rules.default_rating = 3.25f;
  rules.scale = 2;
  rules.user_bias = {0.5f, -0.5f};
  rules.item_bias = {0.25f, 0, -0.25f};
  return saved_model(AutoRec<float>(options), Variant::user, rules, data, data.ratings);
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

// The same model in version 4's layout (one network, its architecture before the rules and its
// parameters last).
// A network as versions 2 to 5 wrote it: no kernel sizes, no kernel lambda.
void put_network_before_version_6(detail::Writer& out, const Network<float>& network) {
  const Architecture& architecture = network.architecture();
  out.put(std::int64_t(architecture.inputs));
  out.put(std::int64_t(architecture.first_width));
  out.put(double(architecture.input_dropout));
  out.put(std::uint32_t(architecture.stages.size()));
  for (const LayerSpec& stage : architecture.stages) {
    out.put_string(stage.kind);
    out.put(std::int64_t(stage.size));
    out.put(double(stage.rate));
  }
  out.put_string(architecture.output_activation);
  out.put(double(network.lambda()));
  out.put(std::uint64_t(network.options().seed));
  out.put(std::uint64_t(network.parameters().size()));
  out.put_bytes(network.parameters().data(), sizeof(float) * std::size_t(network.parameters().size()));
}

std::string version_4_bytes(const SavedModel<float>& saved) {
  detail::Writer network;
  put_network_before_version_6(network, saved.model);  // architecture, lambda, seed, parameters
  const std::string& parts = network.bytes();
  const std::size_t parameters = 8 + sizeof(float) * std::size_t(saved.model.parameters().size());
  detail::Writer out;
  out.put_bytes(kModelFileMagic, sizeof kModelFileMagic);
  out.put(std::uint32_t(4));
  out.put(std::uint32_t(sizeof(float)));
  out.put(std::uint32_t(saved.variant == Variant::item ? 0 : 1));
  out.put_bytes(parts.data(), parts.size() - parameters);
  for (float rule : {saved.rules.min_rating, saved.rules.max_rating, saved.rules.default_rating, saved.rules.scale})
    out.put(rule);
  out.put_ids(saved.users);
  out.put_ids(saved.items);
  for (const std::vector<float>* bias : {&saved.rules.user_bias, &saved.rules.item_bias}) {
    out.put(std::uint64_t(bias->size()));
    out.put_bytes(bias->data(), sizeof(float) * bias->size());
  }
  out.put(std::int64_t(saved.training.rows()));
  out.put(std::int64_t(saved.training.cols()));
  out.put(std::uint64_t(saved.training.nonZeros()));
  out.put_bytes(saved.training.outerIndexPtr(), sizeof(int) * std::size_t(saved.training.cols() + 1));
  out.put_bytes(saved.training.innerIndexPtr(), sizeof(int) * std::size_t(saved.training.nonZeros()));
  out.put_bytes(saved.training.valuePtr(), sizeof(float) * std::size_t(saved.training.nonZeros()));
  out.put(saved.fingerprint);
  out.put_bytes(parts.data() + parts.size() - parameters, parameters);
  out.put(detail::fnv1a(out.bytes().data(), out.bytes().size()));
  return out.bytes();
}

// sample() with two more networks of other widths and seeds.
SavedModel<float> ensemble_sample() {
  SavedModel<float> saved = sample();
  for (int m = 1; m <= 2; ++m) {
    AutoRec<float>::Options options;
    options.inputs = 3;
    options.hidden = 4 + m;
    options.seed = std::uint64_t(m);
    saved.other_members.emplace_back(options);
  }
  return saved;
}

// Where the one network of a file of `saved` begins: after the network count, before the checksum.
std::size_t network_offset(const std::string& bytes, const SavedModel<float>& saved) {
  detail::Writer network;
  detail::put_network(network, saved.model);
  return bytes.size() - 8 - network.bytes().size();
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
  CHECK(loaded.rules.scale == 2);
  CHECK(loaded.rules.user_bias == std::vector<float>{0.5f, -0.5f});
  CHECK(loaded.rules.item_bias == std::vector<float>{0.25f, 0, -0.25f});
  CHECK(loaded.users == saved.users);
  CHECK(loaded.items == saved.items);
  CHECK(loaded.fingerprint == saved.fingerprint);
  CHECK(loaded.fingerprint != 0);
  REQUIRE(loaded.self_contained());
  CHECK(loaded.training.nonZeros() == 3);
  CHECK(Matrix<float>(loaded.training) == Matrix<float>(saved.training));
}

TEST_CASE("A multinomial network with a normalised input loads back with its loss and normalisation") {
  TempFile file;
  SavedModel<float> saved = sample();
  AutoRec<float>::Options options;
  options.inputs = 3;
  options.hidden = 4;
  options.activation = "tanh";
  options.loss = "multinomial";
  options.normalize_input = true;
  saved.model = AutoRec<float>(options);
  save_model(file.path(), saved);
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.architecture().loss == "multinomial");
  CHECK(loaded.model.architecture().normalize_input);
  CHECK(loaded.model.parameters() == saved.model.parameters());
}

TEST_CASE("Saving a model whose id maps do not fit the network is refused before writing") {
  TempFile file;
  SavedModel<float> saved = sample();
  saved.items = IdMap();
  CHECK_THROWS_WITH_AS(save_model(file.path(), saved),
                       (file.path() + ": cannot save: the network has 3 inputs but the item id map holds 0 ids "
                                      "(for data without raw ids, use IdMap::indices(n))").c_str(),
                       ModelFileError);
  saved.items = IdMap::indices(3);
  saved.training = SparseColumns<float>();
  CHECK_THROWS_AS(save_model(file.path(), saved), ModelFileError);
  CHECK(read_bytes(file.path()).empty());
}

TEST_CASE("Biases that do not match the id maps are refused on saving") {
  TempFile file;
  SavedModel<float> saved = sample();
  saved.rules.item_bias = {1, 2};  // 3 items
  CHECK_THROWS_WITH(save_model(file.path(), saved), doctest::Contains("2 user and 2 item biases for 2 users and 3 items"));
  CHECK(read_bytes(file.path()).empty());
}

TEST_CASE("The training matrix is saved in network units, the ratings divided by the scale") {
  const SavedModel<float> saved = sample();  // ratings 4.5, 1, 3 at scale 2
  CHECK(saved.training.coeff(0, 0) == 2.25f);
}

TEST_CASE("Invalid prediction rules are refused on saving and on loading") {
  TempFile file;
  SavedModel<float> saved = sample();
  saved.rules.min_rating = 6;  // above max_rating
  CHECK_THROWS_AS(save_model(file.path(), saved), ModelFileError);
  saved = sample();
  save_model(file.path(), saved);
  std::string bytes = read_bytes(file.path());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::size_t at = bytes.find("alice") - 4 - 8 - 16;  // the rules lie before the user count and ids
  float stored;
  std::memcpy(&stored, &bytes[at], 4);
  REQUIRE(stored == 0.5f);
  std::memcpy(&bytes[at], &nan, 4);
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) ==
        "corrupted: invalid prediction rules (NaN, an inverted clip range, a scale not above 0 or a NaN bias)");
}

TEST_CASE("A model file whose parameters hold NaN is refused") {
  TempFile file;
  SavedModel<float> saved = sample();
  saved.model.parameters()[1] = std::numeric_limits<float>::quiet_NaN();
  save_model(file.path(), saved);
  CHECK(load_error(file.path()) == "corrupted: the parameters hold NaN or infinite values");
}

TEST_CASE("A training matrix with a row index out of range is refused") {
  TempFile file;
  const SavedModel<float> saved = sample();
  save_model(file.path(), saved);
  std::string bytes = read_bytes(file.path());
  // The row indices follow the biases (2 users, 3 items) and the 3 column starts of the 3 x 2
  // matrix; the first one becomes 3.
  const std::size_t at = bytes.find("m3") + 2 + (8 + 2 * 4) + (8 + 3 * 4) + 8 + 8 + 8 + 3 * 4;
  int row;
  std::memcpy(&row, &bytes[at], 4);
  REQUIRE(row == saved.training.innerIndexPtr()[0]);
  row = 3;
  std::memcpy(&bytes[at], &row, 4);
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "corrupted: the training matrix is not a valid sparse matrix of finite ratings");
}

TEST_CASE("The fingerprint ignores order and index assignment and changes with any rating") {
  RatingData a;
  a.ratings = {{a.users.insert("u1"), a.items.insert("i1"), 4}, {a.users.insert("u2"), a.items.insert("i2"), 3}};
  RatingData b;  // the same ratings, read in the other order
  b.ratings = {{b.users.insert("u2"), b.items.insert("i2"), 3}, {b.users.insert("u1"), b.items.insert("i1"), 4}};
  CHECK(fingerprint(a) == fingerprint(b));
  b.ratings[0].value = 3.5f;
  CHECK(fingerprint(a) != fingerprint(b));
  b.ratings.pop_back();
  CHECK(fingerprint(a) != fingerprint(b));
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
  bytes[8] = 9;  // the version follows the 8-byte magic number
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "model file version 9 is not supported (this build reads versions 1 to 8)");
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
  CHECK_FALSE(loaded.self_contained());
}

TEST_CASE("Crafted layer sizes that the stored parameters cannot hold are refused before allocating") {
  TempFile file;
  save_model(file.path(), sample());
  std::string bytes = read_bytes(file.path());
  const std::int64_t huge = std::int64_t(1) << 50;
  std::memcpy(&bytes[network_offset(bytes, sample()) + 8], &huge, sizeof huge);  // the first width follows the inputs
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

TEST_CASE("A model whose training matrix holds no ratings loads, and serves only defaults") {
  SavedModel<float> saved = sample();
  saved.training = SparseColumns<float>(3, 2);  // found by fuzzing: empty arrays read as null pointers
  saved.training.makeCompressed();
  TempFile file;
  save_model(file.path(), saved);
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.training.nonZeros() == 0);
  CHECK(loaded.training.cols() == 2);
}

TEST_CASE("A small network with many training ratings loads back (the size check counts 8 bytes a rating)") {
  RatingData data;
  data.users = IdMap::indices(20);
  data.items = IdMap::indices(20);
  for (int u = 0; u < 20; ++u)
    for (int i = 0; i < 20; ++i) data.ratings.push_back({u, i, float(1 + (u + i) % 5)});
  AutoRec<float>::Options options;
  options.inputs = 20;
  options.hidden = 1;  // 61 parameters against 400 ratings
  TempFile file;
  save_model(file.path(), saved_model(AutoRec<float>(options), Variant::item, {1, 5, 3}, data, data.ratings));
  CHECK(load_model<float>(file.path()).training.nonZeros() == 400);
}

TEST_CASE("A version-4 model file of one network still loads, with everything it held") {
  const SavedModel<float> saved = sample();
  TempFile file;
  write_bytes(file.path(), version_4_bytes(saved));
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.parameters() == saved.model.parameters());
  CHECK(loaded.model.lambda() == 12.5f);
  CHECK(loaded.model.options().seed == 99);
  CHECK(loaded.rules.scale == 2);
  CHECK(loaded.rules.item_bias == saved.rules.item_bias);
  CHECK(loaded.fingerprint == saved.fingerprint);
  CHECK(Matrix<float>(loaded.training) == Matrix<float>(saved.training));
  CHECK(loaded.other_members.empty());
}

TEST_CASE("An ensemble's model file loads back every member exactly, in order") {
  const SavedModel<float> saved = ensemble_sample();
  TempFile file;
  save_model(file.path(), saved);
  const SavedModel<float> loaded = load_model<float>(file.path());
  CHECK(loaded.model.parameters() == saved.model.parameters());
  REQUIRE(loaded.other_members.size() == 2);
  for (std::size_t m = 0; m < 2; ++m) {
    CHECK(loaded.other_members[m].architecture().describe() == saved.other_members[m].architecture().describe());
    CHECK(loaded.other_members[m].parameters() == saved.other_members[m].parameters());
    CHECK(loaded.other_members[m].options().seed == m + 1);
  }
}

TEST_CASE("An ensemble member with another input count is refused on saving") {
  SavedModel<float> saved = ensemble_sample();
  AutoRec<float>::Options options;
  options.inputs = 4;
  options.hidden = 2;
  saved.other_members.emplace_back(options);
  TempFile file;
  CHECK_THROWS_WITH(save_model(file.path(), saved), doctest::Contains("an ensemble member has 4 inputs, the first network 3"));
  CHECK(read_bytes(file.path()).empty());
}

TEST_CASE("A model file that claims no networks is refused") {
  const SavedModel<float> saved = sample();
  TempFile file;
  save_model(file.path(), saved);
  std::string bytes = read_bytes(file.path());
  const std::size_t at = network_offset(bytes, saved) - 4;  // the count precedes the one network
  std::uint32_t count;
  std::memcpy(&count, &bytes[at], 4);
  REQUIRE(count == 1);
  count = 0;
  std::memcpy(&bytes[at], &count, 4);
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "corrupted: impossible network count");
}

TEST_CASE("A version 7 file, which has no model kind, loads as networks") {
  TempFile file;
  const SavedModel<float> saved = sample();
  save_model(file.path(), saved);
  std::string bytes = read_bytes(file.path());
  const std::size_t kind = network_offset(bytes, saved) - 4 - 4;  // before the network count
  REQUIRE(bytes.substr(kind, 4) == std::string("\0\0\0\0", 4));
  bytes.erase(kind, 4);
  bytes[8] = 7;
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_model<float>(file.path()).model.parameters() == saved.model.parameters());
}

TEST_CASE("A model file of an unknown model kind is refused") {
  TempFile file;
  const SavedModel<float> saved = sample();
  save_model(file.path(), saved);
  std::string bytes = read_bytes(file.path());
  bytes[network_offset(bytes, saved) - 8] = 5;
  reseal(bytes);
  write_bytes(file.path(), bytes);
  CHECK(load_error(file.path()) == "corrupted: unknown model kind 5");
}

TEST_CASE("Reading /dev/zero as a model is refused at once, naming the path") {
  CHECK_THROWS_WITH_AS(read_model_bytes("/dev/zero"),
                       "/dev/zero: not an autorec model file (bad magic number)", ModelFileError);
}

namespace {
// Reads `path` with read_model_bytes(path, limit) while a thread writes `bytes` into it as a
// FIFO (a stream whose size is not known beforehand).
std::string read_through_fifo(const std::string& bytes, std::uint64_t limit) {
  TempFile place;
  std::remove(place.path().c_str());
  REQUIRE(mkfifo(place.path().c_str(), 0600) == 0);
  std::thread writer([&] {
    const int fd = open(place.path().c_str(), O_WRONLY);
    if (fd < 0) return;
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += std::size_t(n);
    }
    close(fd);
  });
  struct Join {
    std::thread& thread;
    ~Join() { thread.join(); }
  } join{writer};
  return read_model_bytes(place.path(), limit);
}
}  // namespace

TEST_CASE("A model streamed through a FIFO is read whole") {
  TempFile file;
  save_model(file.path(), sample());
  const std::string bytes = read_bytes(file.path());
  CHECK(read_through_fifo(bytes, kMaxStreamedModelBytes) == bytes);
}

TEST_CASE("A stream longer than the limit is refused as a model, naming the limit") {
  std::string bytes(kModelFileMagic, sizeof kModelFileMagic);
  bytes += std::string(100, 'x');  // fewer than a pipe holds: the writer never waits
  CHECK_THROWS_WITH_AS(read_through_fifo(bytes, 64), doctest::Contains("longer than 64 bytes"), ModelFileError);
}
