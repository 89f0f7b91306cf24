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
  CHECK(check_layer_gradient<double>(swish, autorec::testing::random_dense<double>(5, 4, 9), no_parameters).input <
        1e-6);
}

TEST_CASE("Swish is known by name once its header is included") {
  AutoRec<double>::Options options;
  options.inputs = 10;
  options.hidden = {6, 3};
  options.activation = "swish";
  const AutoRec<double> model(options);
  CHECK(model.architecture().describe() == "10-6-3-10, swish, output identity");
}
