// nn::Module: registration, traversal with dotted names, modes, state dicts, printing,
// containers and nn::init.
#include "test_util.h"

#include "ember/nn/container.h"
#include "ember/nn/init.h"
#include "ember/nn/module.h"
#include "ember/nn/utils.h"

using namespace ember;
using ember::testing::expect_close;

namespace {

class AffineImpl : public nn::Module {
public:
  AffineImpl(int64_t in, int64_t out) : Module("Affine"), in_(in), out_(out) {
    weight = register_parameter("weight", zeros({out, in}));
    bias = register_parameter("bias", zeros({out}));
    register_buffer("calls", zeros({1}));
  }
  Tensor forward(const Tensor &x) { return matmul(x, weight.t()) + bias; }
  void pretty_print(std::ostream &out) const override {
    out << "Affine(in=" << in_ << ", out=" << out_ << ")";
  }
  Tensor weight, bias;

private:
  int64_t in_, out_;
};
EMBER_MODULE(Affine);

class TwoLayerImpl : public nn::Module {
public:
  TwoLayerImpl() : Module("TwoLayer") {
    first = register_module("first", Affine(3, 4));
    second = register_module("second", Affine(4, 2));
  }
  Tensor forward(const Tensor &x) { return second(relu(first(x))); }
  Affine first{nullptr}, second{nullptr};
};
EMBER_MODULE(TwoLayer);

} // namespace

TEST(NnModule, NamedParametersUseDottedNames) {
  TwoLayer model;
  EXPECT_EQ(model->named_parameters().keys(),
            (std::vector<std::string>{"first.weight", "first.bias", "second.weight", "second.bias"}));
  EXPECT_EQ(model->parameters().size(), 4u);
  EXPECT_EQ(model->parameters(/*recurse=*/false).size(), 0u);
  EXPECT_EQ(model->named_buffers().keys(), (std::vector<std::string>{"first.calls", "second.calls"}));
  EXPECT_EQ(model->children().size(), 2u);
  EXPECT_EQ(model->named_modules().keys(), (std::vector<std::string>{"", "first", "second"}));
  for (const Tensor &p : model->parameters()) {
    EXPECT_TRUE(p.requires_grad());
    EXPECT_TRUE(p.is_leaf());
  }
}

TEST(NnModule, RegistrationErrors) {
  Affine affine(2, 2);
  EXPECT_THROW_WITH(affine->register_parameter("a.b", zeros({1})), "can't contain \".\"");
  EXPECT_THROW_WITH(affine->register_module("x", std::shared_ptr<nn::Module>()), "is empty");
}

TEST(NnModule, TrainEvalPropagates) {
  TwoLayer model;
  model->eval();
  EXPECT_FALSE(model->is_training());
  EXPECT_FALSE(model->first->is_training());
  model->train();
  EXPECT_TRUE(model->second->is_training());
}

TEST(NnModule, ZeroGradAndApply) {
  TwoLayer model;
  model(ones({5, 3})).sum().backward();
  EXPECT_TRUE(model->first->bias.grad().defined());
  model->zero_grad(/*set_to_none=*/false);
  expect_close(model->second->bias.grad(), zeros({2}));
  model->zero_grad();
  EXPECT_FALSE(model->second->bias.grad().defined());
  int visited = 0;
  model->apply([&](nn::Module &) { ++visited; });
  EXPECT_EQ(visited, 3);
}

TEST(NnModule, StateDictRoundTripAndStrictReport) {
  TwoLayer source, target;
  nn::init::normal_(source->first->weight);
  target->load_state_dict(source->state_dict());
  expect_close(target->first->weight, source->first->weight);
  EXPECT_EQ(source->state_dict().size(), 6u);

  OrderedDict<Tensor> partial = source->state_dict();
  OrderedDict<Tensor> broken;
  for (const auto &[key, value] : partial)
    if (key != "second.bias")
      broken.insert(key, value);
  broken.insert("third.weight", zeros({1}));
  EXPECT_THROW_WITH(target->load_state_dict(broken),
                    "Missing key(s) in state_dict: \"second.bias\".");
  EXPECT_THROW_WITH(target->load_state_dict(broken), "Unexpected key(s) in state_dict: \"third.weight\".");
  nn::LoadStateDictResult result = target->load_state_dict(broken, /*strict=*/false);
  EXPECT_EQ(result.missing_keys, (std::vector<std::string>{"second.bias"}));
  EXPECT_EQ(result.unexpected_keys, (std::vector<std::string>{"third.weight"}));

  OrderedDict<Tensor> misshaped = source->state_dict();
  misshaped.set("first.bias", zeros({7}));
  EXPECT_THROW_WITH(target->load_state_dict(misshaped, false),
                    "size mismatch for first.bias: copying a param with shape [7] from checkpoint, "
                    "the shape in current model is [4].");
}

TEST(NnModule, ToDtypeConvertsParametersInPlace) {
  TwoLayer model;
  Tensor handle = model->first->weight;
  model->to(kFloat64);
  EXPECT_EQ(handle.dtype(), kFloat64);
  EXPECT_TRUE(handle.requires_grad());
  EXPECT_EQ(model->first->named_buffers()["calls"].dtype(), kFloat64);
}

TEST(NnModule, PrintsTheTreeAsTorch) {
  TwoLayer model;
  std::ostringstream out;
  out << *model;
  EXPECT_EQ(out.str(), "TwoLayer(\n  (first): Affine(in=3, out=4)\n  (second): Affine(in=4, out=2)\n)");
}

TEST(NnModule, SequentialRunsInOrder) {
  nn::Sequential sequential(Affine(3, 4), nn::Functional([](const Tensor &x) { return x + 1; }),
                            Affine(4, 2));
  EXPECT_EQ(sequential->size(), 3u);
  EXPECT_EQ(sequential->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  // All weights are zero: the output is the last bias, zeros.
  expect_close(sequential(ones({5, 3})), zeros({5, 2}));
  EXPECT_THROW_WITH((*sequential)[7], "index 7 is out of range");
}

TEST(NnModule, ModuleListAndDict) {
  nn::ModuleList list;
  list->push_back(Affine(1, 2));
  list->push_back(Affine(2, 3));
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at<AffineImpl>(1)->weight.sizes(), (Shape{3, 2}));
  EXPECT_EQ(list->named_parameters().keys().front(), "0.weight");
  nn::ModuleDict dict;
  dict->insert("encoder", Affine(1, 1));
  EXPECT_TRUE(dict->contains("encoder"));
  EXPECT_EQ(dict->named_parameters().keys().front(), "encoder.weight");
}

TEST(NnInit, DistributionsAndBounds) {
  manual_seed(0);
  Tensor w = empty({256, 128});
  nn::init::kaiming_uniform_(w, std::sqrt(5.0));
  // torch: bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + 5)).
  double bound = std::sqrt(2.0 / 6.0) * std::sqrt(3.0 / 128.0);
  EXPECT_LE(w.abs().max().item<double>(), bound);
  EXPECT_GT(w.abs().max().item<double>(), 0.95 * bound);
  nn::init::xavier_normal_(w);
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (256 + 128)), 0.003);
  nn::init::trunc_normal_(w, 0, 1, -0.5, 0.5);
  EXPECT_LE(w.abs().max().item<double>(), 0.5);
  EXPECT_NEAR(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04), 1e-12);
  EXPECT_THROW_WITH(nn::init::xavier_uniform_(empty({3})), "fewer than 2 dimensions");
}

TEST(NnInit, OrthogonalRowsAreOrthonormal) {
  Tensor w = empty({3, 5});
  nn::init::orthogonal_(w);
  expect_close(matmul(w, w.t()), eye(3), 1e-5, 1e-5);
  Tensor tall = empty({6, 2}, dtype(kFloat64));
  nn::init::orthogonal_(tall, 2.0);
  expect_close(matmul(tall.t(), tall), eye(2, std::nullopt, dtype(kFloat64)) * 4, 1e-9, 1e-9);
}

TEST(NnUtils, ClipGradNormReturnsTheTotalNorm) {
  Tensor a = zeros({2}, requires_grad()), b = zeros({1}, requires_grad());
  a.mutable_grad() = tensor({3.0f, 0.0f});
  b.mutable_grad() = tensor({4.0f});
  double total = nn::utils::clip_grad_norm_({a, b}, 1.0);
  EXPECT_NEAR(total, 5.0, 1e-6);
  expect_close(a.grad(), tensor({0.6f, 0.0f}), 1e-5, 1e-6);
  expect_close(b.grad(), tensor({0.8f}), 1e-5, 1e-6);
  EXPECT_NEAR(nn::utils::clip_grad_norm_({a, b}, 10.0, INFINITY), 0.8, 1e-6);
  b.mutable_grad() = tensor({NAN});
  EXPECT_THROW_WITH(nn::utils::clip_grad_norm_({a, b}, 1.0, 2.0, true), "is non-finite");
  nn::utils::clip_grad_value_({a}, 0.1);
  expect_close(a.grad(), tensor({0.1f, 0.0f}));
}

TEST(NnUtils, ParameterVectorsRoundTrip) {
  Tensor a = arange(6, dtype(kFloat32)).view({2, 3}), b = full({2}, 9.0f);
  Tensor vec = nn::utils::parameters_to_vector({a, b});
  EXPECT_EQ(vec.sizes(), (Shape{8}));
  Tensor c = zeros({2, 3}), d = zeros({2});
  nn::utils::vector_to_parameters(vec, {c, d});
  expect_close(c, a);
  expect_close(d, b);
  EXPECT_THROW_WITH(nn::utils::vector_to_parameters(vec, {c}), "does not match");
}
