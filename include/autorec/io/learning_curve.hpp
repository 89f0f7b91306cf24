#pragma once
// The learning curve of a training run as CSV and as an SVG picture a person can open.

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autorec/io/atomic_file.hpp"
#include "autorec/report.hpp"

namespace autorec {

/// epoch,train_rmse,validation_rmse,seconds (validation empty when there was none).
inline void write_curve_csv(const std::string& path, const std::vector<EpochReport>& history) {
  std::ostringstream out;
  out << "epoch,train_rmse,validation_rmse,seconds\n";
  for (const EpochReport& e : history) {
    out << e.epoch << ',' << e.train_rmse << ',';
    if (std::isfinite(e.validation_rmse)) out << e.validation_rmse;
    out << ',' << e.seconds << '\n';
  }
  write_file_atomically(path, out.str());
}

/// Train and validation RMSE against epoch, with axes, ticks, a legend and the best epoch
/// marked, as a standalone SVG.
inline void write_curve_svg(const std::string& path, const std::vector<EpochReport>& history,
                            const std::string& title) {
  if (history.empty()) throw std::invalid_argument("write_curve_svg: empty history");
  const double width = 720, height = 420, left = 70, right = 20, top = 40, bottom = 50;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const EpochReport& e : history)
    for (double v : {e.train_rmse, e.validation_rmse})
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi - lo < 1e-9) hi = lo + 1e-3;
  const double pad = 0.05 * (hi - lo);
  lo -= pad;
  hi += pad;
  const int last_epoch = history.back().epoch;
  auto x = [&](double epoch) {
    return left + (width - left - right) * (last_epoch > 1 ? (epoch - 1) / (last_epoch - 1) : 0.5);
  };
  auto y = [&](double v) { return top + (height - top - bottom) * (hi - v) / (hi - lo); };
  auto polyline = [&](auto value, const char* color) {
    std::ostringstream points;
    for (const EpochReport& e : history)
      if (std::isfinite(value(e))) points << x(e.epoch) << ',' << y(value(e)) << ' ';
    return "<polyline fill='none' stroke='" + std::string(color) + "' stroke-width='2' points='" +
           points.str() + "'/>\n";
  };

  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='12'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='" << width / 2 << "' y='22' text-anchor='middle' font-size='15'>" << title << "</text>\n"
      << "<line x1='" << left << "' y1='" << height - bottom << "' x2='" << width - right << "' y2='"
      << height - bottom << "' stroke='black'/>\n"
      << "<line x1='" << left << "' y1='" << top << "' x2='" << left << "' y2='" << height - bottom
      << "' stroke='black'/>\n";
  for (int t = 0; t <= 5; ++t) {
    const double v = lo + (hi - lo) * t / 5;
    svg << "<line x1='" << left - 4 << "' y1='" << y(v) << "' x2='" << width - right << "' y2='" << y(v)
        << "' stroke='#ddd'/>\n<text x='" << left - 8 << "' y='" << y(v) + 4
        << "' text-anchor='end'>" << std::round(v * 1000) / 1000 << "</text>\n";
  }
  const int step = std::max(1, last_epoch / 10);
  for (int epoch = 1; epoch <= last_epoch; epoch += step)
    svg << "<text x='" << x(epoch) << "' y='" << height - bottom + 18 << "' text-anchor='middle'>"
        << epoch << "</text>\n";
  svg << "<text x='" << (left + width - right) / 2 << "' y='" << height - 10
      << "' text-anchor='middle'>epoch</text>\n"
      << "<text x='18' y='" << (top + height - bottom) / 2 << "' text-anchor='middle' transform='rotate(-90 18 "
      << (top + height - bottom) / 2 << ")'>RMSE</text>\n"
      << polyline([](const EpochReport& e) { return e.train_rmse; }, "#1f77b4")
      << polyline([](const EpochReport& e) { return e.validation_rmse; }, "#d62728");
  const auto best = std::find_if(history.rbegin(), history.rend(), [](const EpochReport& e) {
    return e.best && std::isfinite(e.validation_rmse);
  });
  if (best != history.rend())
    svg << "<circle cx='" << x(best->epoch) << "' cy='" << y(best->validation_rmse)
        << "' r='5' fill='none' stroke='#d62728' stroke-width='2'/>\n";
  const double lx = width - right - 190;
  svg << "<rect x='" << lx << "' y='" << top + 6 << "' width='180' height='58' fill='white' stroke='#999'/>\n"
      << "<line x1='" << lx + 10 << "' y1='" << top + 22 << "' x2='" << lx + 40 << "' y2='" << top + 22
      << "' stroke='#1f77b4' stroke-width='2'/><text x='" << lx + 48 << "' y='" << top + 26
      << "'>train RMSE</text>\n"
      << "<line x1='" << lx + 10 << "' y1='" << top + 40 << "' x2='" << lx + 40 << "' y2='" << top + 40
      << "' stroke='#d62728' stroke-width='2'/><text x='" << lx + 48 << "' y='" << top + 44
      << "'>validation RMSE</text>\n"
      << "<circle cx='" << lx + 25 << "' cy='" << top + 56 << "' r='4' fill='none' stroke='#d62728'/>"
      << "<text x='" << lx + 48 << "' y='" << top + 60 << "'>best epoch (kept)</text>\n"
      << "</svg>\n";
  write_file_atomically(path, svg.str());
}

}  // namespace autorec
