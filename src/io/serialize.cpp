// ember::save and ember::load over safetensors files.
#include "ember/io/serialize.h"

#include "ember/io/safetensors.h"

namespace ember {

void save(const Tensor &tensor, const std::string &path) {
  OrderedDict<Tensor> single;
  single.insert("tensor", tensor);
  io::save_safetensors(single, path);
}

void load(Tensor &tensor, const std::string &path) {
  io::SafetensorsContent content = io::load_safetensors(path);
  EMBER_CHECK(content.tensors.size() == 1, "load: ", path, " holds ", content.tensors.size(),
              " tensors, not one (load it into an OrderedDict<Tensor>)");
  tensor = content.tensors.items().front().second;
}

void save(const OrderedDict<Tensor> &state_dict, const std::string &path) {
  io::save_safetensors(state_dict, path);
}

void load(OrderedDict<Tensor> &state_dict, const std::string &path) {
  state_dict = io::load_safetensors(path).tensors;
}

void save(const nn::Module &module, const std::string &path) { save(module.state_dict(), path); }

nn::LoadStateDictResult load(nn::Module &module, const std::string &path, bool strict) {
  const OrderedDict<Tensor> state = io::load_safetensors(path).tensors;
  try {
    return module.load_state_dict(state, strict);
  } catch (const Error &error) {
    throw Error(detail::concat("load: ", path, " does not fit the model: ", error.what()));
  }
}

void save(const io::Archive &archive, const std::string &path) { archive.save(path); }

void load(io::Archive &archive, const std::string &path) { archive = io::Archive::load(path); }

} // namespace ember
