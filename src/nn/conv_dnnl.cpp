// oneDNN (Debian's libdnnl, the library PyTorch's CPU convolutions run on) behind conv.cpp's
// float32 primitives. Its JIT kernels work on channel-blocked layouts (nChw16c and blocked
// weights), so each pass reorders its operands from ember's plain layouts into the ones the
// chosen kernel asks for (format "any"), runs the kernel and reorders the result back, as
// PyTorch does; the two backward passes share one reorder of the output gradient, and small
// (weight) reorders stay on the calling thread. Problems under 16 channels per group are left
// to conv.cpp. Primitives and reorders are built once per problem and pass and kept in a
// process-wide cache; buffers come from ember's allocator. oneDNN threads over OpenMP, so it
// follows ember::set_num_threads; its reductions (weight gradient) are deterministic for a
// given thread count. Without oneDNN (EMBER_HAVE_DNNL unset) every pass reports "not run".
#include "nn/conv_dnnl.h"

#ifdef EMBER_HAVE_DNNL

#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "ember/ops.h"

namespace ember::nn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

dnnl::engine &cpu_engine() {
  static auto &engine = *new dnnl::engine(dnnl::engine::kind::cpu, 0); // outlives the plans
  return engine;
}

// The problem in oneDNN's terms: the caller's (plain) descriptors and the conv parameters.
// A problem with a trivial depth runs as a 2-D convolution, whose kernels are the tuned ones.
struct Layout {
  memory::desc image, columns, weight, bias;
  memory::dims strides, dilates, padding_left, padding_right;
};

// oneDNN derives the columns size from the paddings by floor division, as torch does; the
// right padding is the torch one unless that misses the columns size (transposed convs with
// output_padding), then the one that makes the sizes agree exactly.
std::optional<int64_t> right_padding(const ConvGeometry &g, int d) {
  const int64_t span = g.dilation[d] * (g.kernel[d] - 1) + 1;
  const int64_t padded = g.image[d] + 2 * g.padding[d] - span;
  if (padded >= 0 && padded / g.stride[d] + 1 == g.columns[d])
    return g.padding[d];
  const int64_t exact = (g.columns[d] - 1) * g.stride[d] + span - g.image[d] - g.padding[d];
  return exact >= 0 ? std::optional<int64_t>(exact) : std::nullopt;
}

// oneDNN's kernels block channels by 16 and the reorders to and from those layouts cost about
// as much as a pass over the activations: below 16 channels per group on either side the
// im2col kernels, which read the plain layout directly, are faster (the 1-channel first layer
// of an image CNN, for one).
constexpr int64_t kMinGroupChannels = 16;

std::optional<Layout> layout_of(const ConvProblem &p) {
  if (p.image_channels / p.groups < kMinGroupChannels || p.group_out() < kMinGroupChannels)
    return std::nullopt;
  const ConvGeometry &g = p.geometry;
  const bool flat = g.image[0] == 1 && g.kernel[0] == 1 && g.padding[0] == 0;
  const int first_dim = flat ? 1 : 0;
  memory::dims image{p.batch, p.image_channels}, columns{p.batch, p.column_channels};
  memory::dims weight{p.column_channels, p.image_channels / p.groups};
  if (p.groups > 1)
    weight = {p.groups, p.group_out(), p.image_channels / p.groups};
  Layout layout;
  for (int d = first_dim; d < 3; ++d) {
    const std::optional<int64_t> right = right_padding(g, d);
    if (!right)
      return std::nullopt;
    image.push_back(g.image[d]);
    columns.push_back(g.columns[d]);
    weight.push_back(g.kernel[d]);
    layout.strides.push_back(g.stride[d]);
    layout.dilates.push_back(g.dilation[d] - 1); // oneDNN counts the gaps between taps
    layout.padding_left.push_back(g.padding[d]);
    layout.padding_right.push_back(*right);
  }
  const auto f32 = memory::data_type::f32;
  layout.image = memory::desc(image, f32, flat ? Tag::nchw : Tag::ncdhw);
  layout.columns = memory::desc(columns, f32, flat ? Tag::nchw : Tag::ncdhw);
  layout.weight = memory::desc(weight, f32,
                               p.groups > 1 ? (flat ? Tag::goihw : Tag::goidhw)
                                            : (flat ? Tag::oihw : Tag::oidhw));
  layout.bias = memory::desc({p.column_channels}, f32, Tag::x);
  return layout;
}

// One operand: the caller's plain layout, the kernel's, and the reorder between them (plain to
// kernel for inputs, kernel to plain for the output) when they differ.
struct Operand {
  memory::desc plain, kernel;
  std::optional<dnnl::reorder> reorder;
};

Operand operand(const memory::desc &plain, const memory::desc &kernel, bool is_output) {
  Operand result{plain, kernel, std::nullopt};
  if (plain != kernel) {
    auto &engine = cpu_engine();
    result.reorder =
        is_output ? dnnl::reorder(dnnl::reorder::primitive_desc(engine, kernel, engine, plain))
                  : dnnl::reorder(dnnl::reorder::primitive_desc(engine, plain, engine, kernel));
  }
  return result;
}

// A pass ready to run: the convolution primitive and its operands, in argument order
// (first, second, out) of dnnl_convolution.
struct Plan {
  dnnl::primitive conv;
  int first_arg, second_arg, out_arg;
  Operand first, second, out;
  memory::desc scratchpad;
};

memory::desc any(const memory::desc &plain) {
  return memory::desc(plain.dims(), memory::data_type::f32, Tag::any);
}

dnnl::convolution_forward::primitive_desc forward_descriptor(const Layout &l, bool with_bias,
                                                             const dnnl::primitive_attr &attr) {
  const auto kind = dnnl::prop_kind::forward_training;
  const auto algorithm = dnnl::algorithm::convolution_direct;
  const auto desc =
      with_bias ? dnnl::convolution_forward::desc(kind, algorithm, any(l.image), any(l.weight),
                                                  l.bias, any(l.columns), l.strides, l.dilates,
                                                  l.padding_left, l.padding_right)
                : dnnl::convolution_forward::desc(kind, algorithm, any(l.image), any(l.weight),
                                                  any(l.columns), l.strides, l.dilates,
                                                  l.padding_left, l.padding_right);
  return dnnl::convolution_forward::primitive_desc(desc, attr, cpu_engine());
}

std::unique_ptr<Plan> make_plan(ConvPass pass, const Layout &l, bool with_bias) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user); // safe to run from several threads
  const auto algorithm = dnnl::algorithm::convolution_direct;
  switch (pass) {
  case ConvPass::forward: {
    const auto pd = forward_descriptor(l, with_bias, attr);
    return std::make_unique<Plan>(
        Plan{dnnl::convolution_forward(pd), DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST,
             operand(l.image, pd.src_desc(), false), operand(l.weight, pd.weights_desc(), false),
             operand(l.columns, pd.dst_desc(), true), pd.scratchpad_desc()});
  }
  case ConvPass::backward_data: {
    const dnnl::convolution_backward_data::desc desc(algorithm, any(l.image), any(l.weight),
                                                     any(l.columns), l.strides, l.dilates,
                                                     l.padding_left, l.padding_right);
    const dnnl::convolution_backward_data::primitive_desc pd(desc, attr, cpu_engine(),
                                                             forward_descriptor(l, false, attr));
    return std::make_unique<Plan>(Plan{
        dnnl::convolution_backward_data(pd), DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC,
        operand(l.columns, pd.diff_dst_desc(), false), operand(l.weight, pd.weights_desc(), false),
        operand(l.image, pd.diff_src_desc(), true), pd.scratchpad_desc()});
  }
  case ConvPass::backward_weights: {
    const dnnl::convolution_backward_weights::desc desc(algorithm, any(l.image), any(l.weight),
                                                        any(l.columns), l.strides, l.dilates,
                                                        l.padding_left, l.padding_right);
    const dnnl::convolution_backward_weights::primitive_desc pd(desc, attr, cpu_engine(),
                                                                forward_descriptor(l, false, attr));
    return std::make_unique<Plan>(
        Plan{dnnl::convolution_backward_weights(pd), DNNL_ARG_SRC, DNNL_ARG_DIFF_DST,
             DNNL_ARG_DIFF_WEIGHTS, operand(l.image, pd.src_desc(), false),
             operand(l.columns, pd.diff_dst_desc(), false),
             operand(l.weight, pd.diff_weights_desc(), true), pd.scratchpad_desc()});
  }
  }
  return nullptr;
}

// The cached plan of a problem and pass; nullptr when oneDNN cannot run it (also cached).
const Plan *find_plan(ConvPass pass, const ConvProblem &p, bool with_bias) {
  static std::mutex mutex;
  // Never destroyed: no oneDNN teardown races the engine's or OpenMP's at exit.
  static auto &plans = *new std::map<std::vector<int64_t>, std::unique_ptr<Plan>>;
  const ConvGeometry &g = p.geometry;
  std::vector<int64_t> key{static_cast<int64_t>(pass), with_bias,         p.batch,
                           p.image_channels,           p.column_channels, p.groups};
  for (const Dims3 *dims : {&g.image, &g.columns, &g.kernel, &g.stride, &g.padding, &g.dilation})
    key.insert(key.end(), dims->begin(), dims->end());
  const std::lock_guard lock(mutex);
  const auto found = plans.find(key);
  if (found != plans.end())
    return found->second.get();
  std::unique_ptr<Plan> plan;
  if (const std::optional<Layout> layout = layout_of(p)) {
    try {
      plan = make_plan(pass, *layout, with_bias);
    } catch (const dnnl::error &) {
      plan = nullptr; // no implementation for this problem: conv.cpp's kernels run it
    }
  }
  return plans.emplace(std::move(key), std::move(plan)).first->second.get();
}

// Reorders below this many bytes (weights) run on the calling thread: waking the other threads
// for them costs more than the copy, and much more when other processes share the cores.
constexpr size_t kMinParallelReorderBytes = size_t{1} << 18;

// Runs a reorder, small ones on one thread (oneDNN threads over omp_get_max_threads()).
void run_reorder(const dnnl::reorder &reorder, dnnl::stream &stream, memory &from, memory &to) {
  if (from.get_desc().get_size() >= kMinParallelReorderBytes) {
    reorder.execute(stream, from, to);
    return;
  }
  struct OneThread {
    int threads = omp_get_max_threads();
    OneThread() { omp_set_num_threads(1); }
    ~OneThread() { omp_set_num_threads(threads); }
  } one_thread;
  reorder.execute(stream, from, to);
}

// Scratch memory of desc's size from ember's allocator (kept alive by the returned tensor).
Tensor scratch(const memory::desc &desc) {
  const auto floats = static_cast<int64_t>((desc.get_size() + sizeof(float) - 1) / sizeof(float));
  return empty({floats}, dtype(kFloat32));
}

// One call's execution: the stream and the buffers of reordered operands.
class Execution {
public:
  Execution() : stream_(cpu_engine()) {}

  // The operand's memory in the kernel's layout, reordered from the caller's if needed.
  memory input(const Operand &o, const float *data) {
    memory plain(o.plain, cpu_engine(), const_cast<float *>(data));
    if (!o.reorder)
      return plain;
    memory kernel(o.kernel, cpu_engine(), buffer(o.kernel));
    run_reorder(*o.reorder, stream_, plain, kernel);
    return kernel;
  }

  // Runs plan on inputs in its layouts and leaves the result in out, in the caller's layout.
  void run(const Plan &plan, const memory &first, const memory &second, const float *bias,
           int64_t channels, float *out) {
    memory out_plain(plan.out.plain, cpu_engine(), out);
    memory out_kernel = plan.out.reorder
                            ? memory(plan.out.kernel, cpu_engine(), buffer(plan.out.kernel))
                            : out_plain;
    std::unordered_map<int, memory> args{
        {plan.first_arg, first},
        {plan.second_arg, second},
        {plan.out_arg, out_kernel},
        {DNNL_ARG_SCRATCHPAD, memory(plan.scratchpad, cpu_engine(), buffer(plan.scratchpad))}};
    if (bias != nullptr) {
      const memory::desc bias_desc({channels}, memory::data_type::f32, Tag::x);
      args.emplace(DNNL_ARG_BIAS, memory(bias_desc, cpu_engine(), const_cast<float *>(bias)));
    }
    plan.conv.execute(stream_, args);
    if (plan.out.reorder)
      run_reorder(*plan.out.reorder, stream_, out_kernel, out_plain);
  }

  void wait() { stream_.wait(); }

private:
  float *buffer(const memory::desc &desc) {
    buffers_.push_back(scratch(desc));
    return buffers_.back().data_ptr<float>();
  }

  dnnl::stream stream_;
  std::vector<Tensor> buffers_;
};

} // namespace

bool dnnl_convolution(ConvPass pass, const ConvProblem &problem, const float *first,
                      const float *second, const float *bias, float *out) {
  const Plan *plan = find_plan(pass, problem, bias != nullptr);
  if (plan == nullptr)
    return false;
  Execution execution;
  execution.run(*plan, execution.input(plan->first, first), execution.input(plan->second, second),
                bias, problem.column_channels, out);
  execution.wait();
  return true;
}

bool dnnl_convolution_backward(const ConvProblem &problem, const float *image, const float *weight,
                               const float *grad, float *grad_image, float *grad_weight) {
  const Plan *data = find_plan(ConvPass::backward_data, problem, false);
  const Plan *weights = find_plan(ConvPass::backward_weights, problem, false);
  if (data == nullptr || weights == nullptr || data->first.kernel != weights->second.kernel)
    return false;
  Execution execution;
  const memory grad_kernel = execution.input(data->first, grad);
  execution.run(*data, grad_kernel, execution.input(data->second, weight), nullptr, 0, grad_image);
  execution.run(*weights, execution.input(weights->first, image), grad_kernel, nullptr, 0,
                grad_weight);
  execution.wait();
  return true;
}

} // namespace ember::nn

#else

namespace ember::nn {

bool dnnl_convolution(ConvPass, const ConvProblem &, const float *, const float *, const float *,
                      float *) {
  return false;
}

bool dnnl_convolution_backward(const ConvProblem &, const float *, const float *, const float *,
                               float *, float *) {
  return false;
}

} // namespace ember::nn

#endif
