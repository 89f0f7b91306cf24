#pragma once
// What autorec-train and autorec-train-mpi share besides their flags: finding the embedded
// data, checking outputs (and the room for a model file) before a long run, and the lines
// they print.

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/data/load.hpp"
#include "autorec/data/rating_matrix.hpp"
#include "autorec/io/atomic_file.hpp"
#include "autorec/io/free_space.hpp"
#include "autorec/io/learning_curve.hpp"
#include "autorec/report.hpp"

namespace autorec_programs {

// The embedded ml-latest-small: installed beside the programs (PREFIX/share/autorec/data),
// or in the source tree this binary was built from.
inline std::string default_data() {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  std::vector<fs::path> candidates;
  if (!error) candidates.push_back(exe.parent_path().parent_path() / "share/autorec/data/ml-latest-small/ratings.csv");
  candidates.push_back(AUTOREC_SOURCE_DATA);
  for (const fs::path& candidate : candidates)
    if (fs::is_regular_file(candidate, error)) return candidate.string();
  std::string tried;
  for (const fs::path& candidate : candidates) tried += "\n  " + candidate.string();
  throw std::runtime_error("no --data given, and the embedded data set is in none of:" + tried);
}

// Every output path: refused when it is one of the inputs, and tried for writing, all before
// training, so neither an input nor a long run is lost to a bad path.
inline void check_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  for (const std::string& output : outputs) {
    for (const std::string& input : inputs)
      if (!input.empty() && (output == input || autorec::same_file(output, input)))
        throw std::runtime_error("the output " + output + " is the input " + input + ": it would be overwritten");
    autorec::check_writable(output);
  }
}

/// A lower bound on the size of a model file (io/model_file.hpp) holding `parameters` float
/// scalars and a training matrix of `entries` values in `columns` columns, with the ids
/// `users` and `items` (each a 4-byte length and its bytes); headers and biases left out.
inline double model_file_bytes(double parameters, double entries, double columns,
                               const std::vector<std::string>& users, const std::vector<std::string>& items) {
  double ids = 0;
  for (const std::vector<std::string>* map : {&users, &items})
    for (const std::string& id : *map) ids += 4 + double(id.size());
  return 4 * parameters + 8 * entries + 4 * (columns + 1) + ids;
}

/// --save PATH, before training: refused when PATH's file system has less room than
/// model_file_bytes, so a full disk is found before the run and not after it.
inline void check_model_space(const std::string& path, double bytes) {
  if (!path.empty()) autorec::check_free_space(path, std::uintmax_t(bytes), "the model file");
}

inline void print_summary(std::ostream& out, const autorec::LoadSummary& s,
                          const char* duplicates = "replaced by their last rating") {
  out << "loaded " << s.path << ": " << s.ratings << " ratings, " << s.users << " users, " << s.items
            << " items, ratings in [" << s.min_rating << ", " << s.max_rating << "]";
  if (s.duplicates) out << ", " << s.duplicates << " duplicates " << duplicates;
  out << "\n";
}

/// --curve's PATH without a .csv or .svg ending: the stem of both files.
inline std::string strip_extension(const std::string& path) {
  for (const char* extension : {".csv", ".svg"})
    if (path.size() > 4 && path.compare(path.size() - 4, 4, extension) == 0) return path.substr(0, path.size() - 4);
  return path;
}

/// STEM.csv and STEM.svg of a learning curve, titled with the run's settings.
inline void write_learning_curve(std::ostream& out, const std::string& stem,
                                 const std::vector<autorec::EpochReport>& history, autorec::Variant variant,
                                 const std::string& network, double lambda, const std::string& optimizer) {
  autorec::write_curve_csv(stem + ".csv", history);
  std::ostringstream title;
  title << to_string(variant) << "-AutoRec, " << network << ", lambda = " << lambda << ", " << optimizer;
  autorec::write_curve_svg(stem + ".svg", history, title.str());
  out << "learning curve: " << stem << ".csv, " << stem << ".svg\n";
}

/// One epoch's line; on a terminal it first clears the progress line.
inline void print_epoch(std::ostream& out, const autorec::EpochReport& e, bool interactive) {
  if (interactive) std::cerr << "\r\033[K";
  out << "epoch " << std::setw(4) << e.epoch << "  train RMSE " << std::fixed << std::setprecision(4) << e.train_rmse
      << "  validation RMSE " << e.validation_rmse << "  " << std::setprecision(3) << e.seconds << " s"
      << (e.best ? "  *" : "") << std::defaultfloat << std::endl;
}

}  // namespace autorec_programs
