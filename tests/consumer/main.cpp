// Uses the installed headers: one training step on a tiny sparse batch must lower the loss.
#include <autorec/autorec.hpp>

#include <iostream>

int main() {
  autorec::AutoRec<float>::Options options;
  options.inputs = 4;
  options.hidden = 3;
  options.lambda = 0.1f;
  autorec::AutoRec<float> model(options);
  autorec::SparseColumns<float> ratings(4, 2);
  ratings.insert(0, 0) = 4;
  ratings.insert(2, 0) = 3;
  ratings.insert(1, 1) = 5;
  ratings.makeCompressed();
  const autorec::SparseBatch<float> batch(ratings);
  autorec::Adam<float>::Options adam_options;
  adam_options.learning_rate = 0.05f;
  autorec::Adam<float> adam(model.parameter_groups(), model.parameters().size(), adam_options);
  const float before = model.loss_and_gradient(batch);
  for (int i = 0; i < 20; ++i) {
    adam.step(model.parameters(), model.gradient());
    model.loss_and_gradient(batch);
  }
  const float after = model.loss_and_gradient(batch);
  std::cout << "consumer: loss " << before << " -> " << after << "\n";
  return after < before ? 0 : 1;
}
