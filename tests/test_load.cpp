// Rating file loaders: every format, both line endings, and every kind of bad input.
#include <doctest/doctest.h>

#include "autorec/data/load.hpp"
#include "temp_file.hpp"

using namespace autorec;
using autorec::testing::TempFile;

namespace {
RatingData load(const std::string& content, LoadOptions options = {}, LoadSummary* summary = nullptr) {
  TempFile file(content);
  RatingData data;
  const LoadSummary s = load_ratings(file.path(), data, options);
  if (summary) *summary = s;
  return data;
}

// The message of the RatingFileError that loading `content` throws, with the path removed.
std::string load_error(const std::string& content, LoadOptions options = {}) {
  TempFile file(content);
  RatingData data;
  try {
    load_ratings(file.path(), data, options);
  } catch (const RatingFileError& error) {
    const std::string what = error.what();
    CHECK(what.rfind(file.path(), 0) == 0);  // the message starts with the file name
    return what.substr(file.path().size());
  }
  FAIL("no error was thrown");
  return {};
}
}  // namespace

TEST_CASE("MovieLens 100K u.data (tab separated, no header) loads with timestamps ignored") {
  LoadOptions options;
  options.format = RatingFormat::ml100k;
  LoadSummary summary;
  const RatingData data = load("196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n", options, &summary);
  REQUIRE(data.ratings.size() == 3);
  CHECK(data.users.size() == 2);
  CHECK(data.items.size() == 3);
  CHECK(data.users.raw(data.ratings[2].user) == "196");
  CHECK(data.items.raw(data.ratings[2].item) == "377");
  CHECK(data.ratings[2].value == 1.0f);
  CHECK_FALSE(summary.header);
}

TEST_CASE("MovieLens 1M ratings.dat (:: separated) loads") {
  const RatingData data = load("1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n");
  REQUIRE(data.ratings.size() == 3);
  CHECK(data.users.size() == 2);
  CHECK(data.items.size() == 2);
  CHECK(data.ratings[2].user == data.users.find("2"));
  CHECK(data.ratings[2].item == data.items.find("1193"));
}

TEST_CASE("MovieLens latest ratings.csv loads with its header detected and half stars kept") {
  LoadSummary summary;
  const RatingData data = load("userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n", {}, &summary);
  CHECK(summary.header);
  REQUIRE(data.ratings.size() == 2);
  CHECK(data.ratings[1].value == 4.5f);
  CHECK(summary.min_rating == 4.0f);
  CHECK(summary.max_rating == 4.5f);
}

TEST_CASE("CRLF line endings load the same as LF") {
  const RatingData lf = load("userId,movieId,rating\n7,9,2.5\n8,9,3\n");
  const RatingData crlf = load("userId,movieId,rating\r\n7,9,2.5\r\n8,9,3\r\n");
  REQUIRE(crlf.ratings.size() == lf.ratings.size());
  CHECK(crlf.users == lf.users);
  CHECK(crlf.items == lf.items);
  CHECK(crlf.ratings[0].value == 2.5f);
}

TEST_CASE("A space separated file with string ids loads and maps ids back") {
  const RatingData data = load("alice  matrix 5\nbob matrix 3\nalice alien 4 12345\n");
  REQUIRE(data.ratings.size() == 3);
  CHECK(data.users.raw(0) == "alice");
  CHECK(data.items.raw(1) == "alien");
  CHECK(data.users.find("bob") == 1);
  CHECK(data.users.find("carol") == -1);
}

TEST_CASE("A given delimiter and an explicit header are honoured") {
  LoadOptions options;
  options.delimiter = ";";
  options.header = HeaderPolicy::present;
  const RatingData data = load("u;i;r\n1;2;3\n", options);
  REQUIRE(data.ratings.size() == 1);
  CHECK(data.ratings[0].value == 3.0f);
}

TEST_CASE("A test file loaded after its train file shares the id indices") {
  TempFile train("1\t10\t4\n2\t20\t5\n"), test("2\t10\t3\n3\t10\t1\n");
  RatingData data;
  load_ratings(train.path(), data);
  const std::size_t train_count = data.ratings.size();
  load_ratings(test.path(), data);
  CHECK(data.ratings[train_count].user == data.users.find("2"));
  CHECK(data.ratings[train_count].item == data.items.find("10"));
  CHECK(data.users.size() == 3);
}

TEST_CASE("A missing file is an error naming the file") {
  RatingData data;
  CHECK_THROWS_WITH_AS(load_ratings("/nonexistent/ratings.csv", data),
                       "/nonexistent/ratings.csv: cannot open the file (missing or unreadable)", RatingFileError);
}

TEST_CASE("An empty file is an error") {
  CHECK(load_error("") == ": the file holds no ratings");
  CHECK(load_error("userId,movieId,rating,timestamp\n\n") == ": the file holds no ratings");
}

TEST_CASE("A line with too few columns is an error naming its line") {
  CHECK(load_error("1\t2\t3\n4\t5\n") == ":2: expected at least 3 fields (user, item, rating) separated by '\\t', found 2");
}

TEST_CASE("A non-numeric rating is an error naming its line") {
  CHECK(load_error("1,2,3\n1,3,good\n") == ":2: rating 'good' is not a number");
}

TEST_CASE("NaN and infinite ratings are errors") {
  CHECK(load_error("1,2,3\n1,3,nan\n") == ":2: rating 'nan' is not finite");
  CHECK(load_error("1,2,3\n1,3,inf\n") == ":2: rating 'inf' is not finite");
}

TEST_CASE("A rating outside the given range is an error") {
  LoadOptions options;
  options.min_rating = 1;
  options.max_rating = 5;
  CHECK(load_error("1,2,3\n1,3,6\n", options) ==
        ":2: rating 6 is outside the allowed range [1.000000, 5.000000]");
}

TEST_CASE("A duplicate (user, item) pair is an error naming both lines by default") {
  CHECK(load_error("1,2,3\n1,3,4\n1,2,5\n") ==
        ":3: duplicate rating for user '1' and item '2' (first at line 1); pass keep-last to keep the last one");
}

TEST_CASE("Duplicates keep the last rating when asked, and are counted") {
  LoadOptions options;
  options.duplicates = DuplicatePolicy::keep_last;
  LoadSummary summary;
  const RatingData data = load("1,2,3\n1,3,4\n1,2,5\n1,2,1\n", options, &summary);
  REQUIRE(data.ratings.size() == 2);
  CHECK(summary.duplicates == 2);
  CHECK(summary.ratings == 2);
  for (const Rating& r : data.ratings)
    if (data.items.raw(r.item) == "2") CHECK(r.value == 1.0f);
}

TEST_CASE("The summary counts users, items, ratings and the rating range") {
  LoadSummary summary;
  load("a,x,1\nb,x,2\nc,y,5\n\n", {}, &summary);
  CHECK(summary.users == 3);
  CHECK(summary.items == 2);
  CHECK(summary.ratings == 3);
  CHECK(summary.min_rating == 1.0f);
  CHECK(summary.max_rating == 5.0f);
  CHECK(summary.lines == 4);
}

TEST_CASE("Unknown format names are rejected") {
  CHECK_THROWS_AS(parse_rating_format("xml"), std::invalid_argument);
  CHECK(parse_rating_format("ml1m") == RatingFormat::ml1m);
}

TEST_CASE("A UTF-8 byte order mark is not part of the first id or header") {
  const RatingData data = load("\xEF\xBB\xBFuserId,movieId,rating\n7,8,4\n");
  REQUIRE(data.ratings.size() == 1);
  CHECK(data.users.raw(0) == "7");
  const RatingData bare = load("\xEF\xBB\xBF" "7,8,4\n");
  CHECK(bare.users.raw(0) == "7");
}

TEST_CASE("A malformed first line with numeric ids is an error, not a header") {
  CHECK(load_error("1,2,abc\n1,3,4\n") == ":1: rating 'abc' is not a number");
}

TEST_CASE("Ids that spell one number two ways are an error naming both") {
  CHECK(load_error("1,5,3\n01,6,4\n") ==
        ":2: user id '01' is the same number as the user id '1' read before; ids are compared as text, so these "
        "would be two users: write each id one way");
  CHECK(load_error("1,5,3\n2,5.0,4\n").find("item id '5.0' is the same number as the item id '5'") != std::string::npos);
  CHECK(load_error("1,5,3\n+1,6,4\n").find("user id '+1'") != std::string::npos);
  CHECK(load("a1,b1,3\na01,b1,4\n").users.size() == 2);  // text ids that are not numbers stay text
}

TEST_CASE("A rating beyond the float range is an error, not infinity") {
  CHECK(load_error("1,2,1e39\n") == ":1: rating '1e39' is beyond the float range");
}

TEST_CASE("A huge field is cut and control bytes escaped in the error message") {
  const std::string message = load_error("1,2," + std::string(100000, 'x') + "\x1b[2J\n");
  CHECK(message.size() < 200);
  CHECK(message.find("... (100004 bytes)") != std::string::npos);
  CHECK(load_error("1,2,\x1b[2J\n") == ":1: rating '\\x1b[2J' is not a number");
}

TEST_CASE("A line longer than the bound is an error instead of an unbounded read") {
  CHECK(load_error("1,2,3\n" + std::string(detail::kMaxLineBytes + 10, '9')) ==
        ":2: line longer than 1048576 bytes (not a ratings file?)");
}

TEST_CASE("loading part of a file keeps the accepted ratings with the whole file's ids and summary") {
  const std::string content = "userId,movieId,rating\n1,10,4\n2,10,3.5\n1,20,5\n3,30,1\n2,20,2\n";
  const autorec::RatingData whole = load(content);
  TempFile file(content, ".csv");
  autorec::RatingData part;
  // users 0 and 2 ("1" and "3"), as a rank owning those rows would keep
  const autorec::LoadSummary summary = autorec::load_ratings_where(
      file.path(), part, {}, [](int user, int) { return user != 1; });
  CHECK(part.users.raw_ids() == whole.users.raw_ids());
  CHECK(part.items.raw_ids() == whole.items.raw_ids());
  CHECK(summary.ratings == 5);
  CHECK(summary.min_rating == 1.0f);
  CHECK(summary.max_rating == 5.0f);
  REQUIRE(part.ratings.size() == 3);
  for (const autorec::Rating& r : part.ratings) CHECK(r.user != 1);
}

TEST_CASE("loading part of a file still reports a bad line with its number") {
  TempFile file("1,10,4\n2,10,x\n", ".csv");
  autorec::RatingData part;
  CHECK_THROWS_WITH_AS(autorec::load_ratings_where(file.path(), part, {}, [](int, int) { return false; }),
                       doctest::Contains(":2: rating 'x' is not a number"), autorec::RatingFileError);
}

TEST_CASE("A comma-delimited file whose fourth fields are all one digit is refused as decimal commas") {
  const std::string message = load_error("1,1,0,5\n1,2,4,5\n2,1,3,0\n");
  CHECK(message.find(":1: ") == 0);  // the first line, by number
  CHECK(message.find("'1,1,0,5'") != std::string::npos);  // and by its text
  CHECK(message.find("decimal comma") != std::string::npos);
  CHECK(message.find("rating 0,5?") != std::string::npos);
}

TEST_CASE("A comma-delimited file with real timestamps still loads") {
  const RatingData data = load("1,1,4,964982703\n1,2,3,964981247\n2,1,5,964982224\n");
  CHECK(data.ratings.size() == 3);
}

TEST_CASE("A comma-delimited file with one long timestamp among one-digit ones still loads") {
  const RatingData data = load("1,1,4,5\n1,2,3,964981247\n2,1,5,7\n");
  CHECK(data.ratings.size() == 3);
}

TEST_CASE("A comma-delimited file with a header naming its columns is not taken for decimal commas") {
  const RatingData data = load("user,item,rating,weight\n1,1,4,5\n1,2,3,1\n");
  CHECK(data.ratings.size() == 2);
}

TEST_CASE("Decimal commas are found when a file is loaded a block at a time") {
  TempFile file("1,1,0,5\n1,2,4,5\n");
  RatingData data;
  CHECK_THROWS_WITH_AS(load_ratings_where(file.path(), data, {}, [](int, int) { return true; }),
                       doctest::Contains("decimal comma"), RatingFileError);
}
