#include <autorec/model/autorec.hpp>

int main() {
  autorec::AutoRec<float>::Options options;
  options.inputs = 3;
  options.hidden = 2;
  return autorec::AutoRec<float>(options).parameters().size() == 3 * 2 + 2 + 2 * 3 + 3 ? 0 : 1;
}
