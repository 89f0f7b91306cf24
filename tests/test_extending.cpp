// The example of docs/extending.md: a new activation in one file (extending/swish.hpp), its
// gradient test, and its use by name in a network.
#include <doctest/doctest.h>

#include "autorec/check/gradient_check.hpp"
#include "autorec/model/autorec.hpp"
#include "extending/swish.hpp"
#include "synthetic.hpp"

using namespace autorec;

TEST_CASE("Swish backward matches finite differences") {
  Activation<double, Swish> swish(5);
  Vector<double> no_parameters;
  const Matrix<double> input = Matrix<double>::Random(5, 4);  // 5 units, 4 examples, in [-1, 1]
  CHECK(check_layer_gradient<double>(swish, input, no_parameters).input < 1e-6);
}

TEST_CASE("Swish is known by name once its header is included") {
  AutoRec<double>::Options options;
  options.inputs = 10;
  options.hidden = {6, 3};
  options.activation = "swish";
  const AutoRec<double> model(options);
  CHECK(model.architecture().describe() == "10-6-3-10, swish, output identity");
}
