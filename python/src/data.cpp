// ember._C._data: the C++ MNIST / Fashion-MNIST reader (ember::data::MNIST) behind
// ember.datasets.MNIST and FashionMNIST.
#include "casters.h"

#include <memory>

#include "ember/data/mnist.h"

namespace ember::python {

void bind_data(py::module_ &m) {
  py::module_ data = m.def_submodule("_data", "C++ dataset readers");
  data.attr("FASHION_MNIST_ROOT") = data::kFashionMNISTRoot;
  data.def(
      "read_mnist",
      [](const std::string &root, bool train, bool fashion) {
        py::gil_scoped_release release;
        const std::unique_ptr<data::MNIST> dataset =
            fashion ? std::make_unique<data::FashionMNIST>(root, train)
                    : std::make_unique<data::MNIST>(root, train);
        return std::make_tuple(dataset->data(), dataset->targets(), dataset->classes());
      },
      py::arg("root"), py::arg("train") = true, py::arg("fashion") = false,
      "Reads a split of MNIST-format IDX files (gzip'd or not) in root: returns (images uint8 "
      "[N, 28, 28], labels int64 [N], class names).");
}

} // namespace ember::python
