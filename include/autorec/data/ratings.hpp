#pragma once
// A set of ratings with dense user and item indices, and the maps back to the raw ids.

#include <vector>

#include "autorec/data/id_map.hpp"

namespace autorec {

struct Rating {
  int user;
  int item;
  float value;
};

/// Ratings plus the id maps that give their indices meaning. Several rating lists (a train
/// and a test file, say) share one pair of maps so that their indices agree.
struct RatingData {
  IdMap users;
  IdMap items;
  std::vector<Rating> ratings;
};

/// What a loader found, for the user to check that nothing was lost.
struct LoadSummary {
  std::string path;
  long lines = 0;           ///< lines read, header and blank lines included
  long ratings = 0;         ///< ratings kept
  long duplicates = 0;      ///< (user, item) pairs seen again and merged (keep_last, keep_max)
  int users = 0;            ///< distinct users in this file
  int items = 0;            ///< distinct items in this file
  float min_rating = 0;
  float max_rating = 0;
  bool header = false;
};

}  // namespace autorec
