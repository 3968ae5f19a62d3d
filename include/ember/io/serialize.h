// ember::save / ember::load (torch.save / torch.load, libtorch's torch::save / torch::load) for a
// tensor, a state dict, a module's parameters and buffers, and an Archive of nested values. Every
// file is safetensors (see safetensors.h), written atomically.
//
//   ember::save(model, "model.safetensors");     // model->state_dict(), dotted names
//   ember::load(model, "model.safetensors");     // checks every key and shape first
//   ember::save(tensor, "t.safetensors");        // one tensor, stored under the name "tensor"
//   Tensor t; ember::load(t, "t.safetensors");   // the file's only tensor, whatever its name
#pragma once

#include <string>

#include "ember/io/archive.h"
#include "ember/nn/module.h"
#include "ember/ordered_dict.h"
#include "ember/tensor.h"

namespace ember {

void save(const Tensor &tensor, const std::string &path);
void load(Tensor &tensor, const std::string &path);

void save(const OrderedDict<Tensor> &state_dict, const std::string &path);
void load(OrderedDict<Tensor> &state_dict, const std::string &path);

// A module's state_dict(). Loading compares the file with the module first: missing or unexpected
// keys (when strict) and mismatched shapes are reported together, naming the file, in one Error.
void save(const nn::Module &module, const std::string &path);
nn::LoadStateDictResult load(nn::Module &module, const std::string &path, bool strict = true);
template <typename Impl> void save(const nn::ModuleHolder<Impl> &module, const std::string &path) {
  save(*module, path);
}
template <typename Impl>
nn::LoadStateDictResult load(nn::ModuleHolder<Impl> &module, const std::string &path,
                             bool strict = true) {
  return load(*module, path, strict);
}

void save(const io::Archive &archive, const std::string &path);
void load(io::Archive &archive, const std::string &path);

} // namespace ember
