// Loss functions (ember::nn::functional). Every loss parses its reduction string with
// parse_reduction and reduces its per-element losses with reduce_loss.
//
// Most losses are composites of ember ops. cross_entropy is one fused primitive: the log-softmax
// kernel, then one pass over the rows for the losses; its gradient s * (Q * softmax(x) - q)
// (q: the effective target weights of a row, Q their sum, s the reduction's scale) is one pass
// that writes the input gradient once. binary_cross_entropy records its own backward so that the
// gradient stays finite at input 0 or 1, as in torch.
#include "ember/nn/functional/loss.h"

#include <cmath>

#include "autograd/record.h"
#include "backend/cpu/elementwise_kernels.h"
#include "ember/nn/functional/activation.h"

namespace ember::nn::functional {
namespace {

using autograd::BackwardContext;

// ---- the reduction argument, shared by every loss ----------------------------------------------

enum class Reduction { None, Mean, Sum, BatchMean };

Reduction parse_reduction(const std::string &reduction, const char *op,
                          bool allow_batchmean = false) {
  if (reduction == "none")
    return Reduction::None;
  if (reduction == "mean")
    return Reduction::Mean;
  if (reduction == "sum")
    return Reduction::Sum;
  if (allow_batchmean && reduction == "batchmean")
    return Reduction::BatchMean;
  throw Error(detail::concat(op, ": reduction must be 'none', 'mean', 'sum'",
                             allow_batchmean ? " or 'batchmean'" : "", ", got '", reduction, "'"));
}

Tensor reduce_loss(const Tensor &loss, Reduction reduction) {
  switch (reduction) {
  case Reduction::None:
    return loss;
  case Reduction::Mean:
    return loss.mean();
  case Reduction::Sum:
    return loss.sum();
  case Reduction::BatchMean: // the sum over the batch size (the first dim)
    return loss.dim() == 0 ? loss.sum() : loss.sum() / loss.size(0);
  }
  return loss;
}

void check_same_shape(const Tensor &input, const Tensor &target, const char *op) {
  EMBER_CHECK(input.sizes() == target.sizes(), op, ": expected target of shape ", input.sizes(),
              " (the input's), got ", target.sizes());
}

// ---- class layouts shared by nll_loss and cross_entropy ---------------------------------------

// The class dim of input ([C] or [N, C, d1, ...]); checks input, weight and the class count.
int64_t class_count(const Tensor &input, const Tensor &weight, const char *op) {
  EMBER_CHECK(input.dim() >= 1, op,
              ": expected input of shape [N, C], [N, C, d1, ...] or [C], got a 0-d tensor");
  const int64_t classes = input.size(input.dim() == 1 ? 0 : 1);
  EMBER_CHECK(classes > 0, op, ": expected at least one class, got input of shape ", input.sizes());
  EMBER_CHECK(!weight.defined() || weight.sizes() == Shape{classes}, op,
              ": expected weight of shape [", classes, "] for input of shape ", input.sizes(),
              ", got ", weight.sizes());
  return classes;
}

// The shape of a class-index target for input: input's shape without the class dim.
Shape index_target_shape(const Tensor &input) {
  Shape shape = input.sizes();
  shape.erase(shape.begin() + (input.dim() == 1 ? 0 : 1));
  return shape;
}

// Checks the shape, dtype and values of class indices; returns them contiguous.
Tensor checked_indices(const Tensor &input, const Tensor &target, int64_t classes,
                       int64_t ignore_index, const char *op) {
  const Shape expected = index_target_shape(input);
  EMBER_CHECK(target.sizes() == expected, op, ": expected target of shape ", expected,
              " for input of shape ", input.sizes(), ", got ", target.sizes());
  EMBER_CHECK(target.dtype() == kInt64, op,
              ": expected target of dtype int64 (class indices), got ", target.dtype());
  Tensor indices = target.contiguous();
  const int64_t *values = indices.data_ptr<int64_t>();
  for (int64_t i = 0; i < indices.numel(); ++i)
    EMBER_CHECK_T(IndexError, values[i] == ignore_index || (values[i] >= 0 && values[i] < classes),
                  op, ": target ", values[i], " is out of bounds for ", classes, " classes");
  return indices;
}

// input ([C], [N, C] or [N, C, d1, ...]) as [rows, C] with the classes innermost; differentiable
// (a copy only for spatial dims).
Tensor to_rows(const Tensor &input, int64_t classes) {
  Tensor moved = input.dim() > 2 ? input.movedim(1, -1) : input;
  return moved.reshape({input.numel() / classes, classes});
}

// The inverse of to_rows for a tensor of input's shape.
Tensor from_rows(const Tensor &rows, const Shape &sizes) {
  if (sizes.size() <= 2)
    return rows.reshape(sizes);
  Shape moved = sizes;
  moved.erase(moved.begin() + 1);
  moved.push_back(sizes[1]);
  return rows.reshape(moved).movedim(-1, 1);
}

// ---- the fused cross-entropy kernels ---------------------------------------------------------

// One cross-entropy problem in the [rows, classes] layout. Row r's effective target weights are
//   class indices:       q[c] = w[c] * ((1 - eps) [c == t_r] + eps / C), all 0 if t_r is ignored
//   class probabilities: q[c] = w[c] * ((1 - eps) p_r[c] + eps / C)
// (w = 1 without weight), its loss is -sum_c q[c] log_softmax(x_r)[c], and the gradient of that
// loss is Q_r softmax(x_r) - q with Q_r = sum_c q[c].
template <typename T> struct CrossEntropyRows {
  int64_t rows = 0, classes = 0;
  const int64_t *indices = nullptr; // class-index target, or
  const T *probabilities = nullptr; // class-probability target, [rows, classes]
  const T *weight = nullptr;        // [classes]
  int64_t ignore_index = -100;
  T smoothing = 0;

  // target_rows: int64 indices [rows] or probabilities [rows, classes]; weight: [classes].
  static CrossEntropyRows over(const Tensor &target_rows, bool probabilities, const Tensor &weight,
                               int64_t classes, int64_t ignore_index, double smoothing) {
    CrossEntropyRows problem;
    problem.rows = target_rows.size(0);
    problem.classes = classes;
    if (probabilities)
      problem.probabilities = target_rows.data_ptr<T>();
    else
      problem.indices = target_rows.data_ptr<int64_t>();
    problem.weight = weight.data_ptr<T>();
    problem.ignore_index = ignore_index;
    problem.smoothing = static_cast<T>(smoothing);
    return problem;
  }

  T target_weight(int64_t r, int64_t c) const {
    return weight[c] * ((T(1) - smoothing) * probabilities[r * classes + c] + smoothing / classes);
  }

  void forward(const T *log_probs, T *losses) const {
    cpu::parallel_for(0, rows, std::max<int64_t>(1, cpu::kGrainSize / classes),
                      [&](int64_t begin, int64_t end) {
                        for (int64_t r = begin; r < end; ++r) {
                          const T *row = log_probs + r * classes;
                          T loss = 0;
                          if (indices) {
                            const int64_t t = indices[r];
                            if (t != ignore_index) {
                              loss = -(T(1) - smoothing) * weight[t] * row[t];
                              if (smoothing > 0) {
                                T weighted = 0;
#pragma omp simd reduction(+ : weighted)
                                for (int64_t c = 0; c < classes; ++c)
                                  weighted += weight[c] * row[c];
                                loss -= smoothing / classes * weighted;
                              }
                            }
                          } else {
                            T weighted = 0;
#pragma omp simd reduction(+ : weighted)
                            for (int64_t c = 0; c < classes; ++c)
                              weighted += target_weight(r, c) * row[c];
                            loss = -weighted;
                          }
                          losses[r] = loss;
                        }
                      });
  }

  // grad[r] = scale[r * scale_step] * (Q_r exp(log_probs[r]) - q_r).
  void backward(const T *log_probs, const T *scale, int64_t scale_step, T *grad) const {
    T weight_sum = 0; // sum_c w[c], for Q of index targets
    for (int64_t c = 0; c < classes; ++c)
      weight_sum += weight[c];
    cpu::parallel_for(0, rows, std::max<int64_t>(1, cpu::kGrainSize / classes),
                      [&](int64_t begin, int64_t end) {
                        for (int64_t r = begin; r < end; ++r) {
                          const T *row = log_probs + r * classes;
                          T *out = grad + r * classes;
                          const T s = scale[r * scale_step];
                          if (indices) {
                            const int64_t t = indices[r];
                            if (t == ignore_index) {
                              std::fill_n(out, classes, T(0));
                              continue;
                            }
                            const T picked = (T(1) - smoothing) * weight[t];
                            const T q_sum = picked + smoothing / classes * weight_sum;
                            exp_row(row, out);
                            const T spread = s * smoothing / classes;
#pragma omp simd
                            for (int64_t c = 0; c < classes; ++c)
                              out[c] = s * q_sum * out[c] - spread * weight[c];
                            out[t] -= s * picked;
                          } else {
                            T q_sum = 0;
#pragma omp simd reduction(+ : q_sum)
                            for (int64_t c = 0; c < classes; ++c)
                              q_sum += target_weight(r, c);
                            exp_row(row, out);
#pragma omp simd
                            for (int64_t c = 0; c < classes; ++c)
                              out[c] = s * (q_sum * out[c] - target_weight(r, c));
                          }
                        }
                      });
  }

  // out[c] = exp(row[c]) over one row.
  void exp_row(const T *row, T *out) const {
    int64_t c = 0;
#if EMBER_HAVE_VECTOR_MATH
    using V = cpu::Vec<T>;
    constexpr int64_t width = sizeof(V) / sizeof(T);
    for (; c + width <= classes; c += width) {
      V v;
      std::memcpy(&v, row + c, sizeof(V));
      v = cpu::sleef::exp(v);
      std::memcpy(out + c, &v, sizeof(V));
    }
#endif
    for (; c < classes; ++c)
      out[c] = std::exp(row[c]);
  }
};

// The effective target weights q of every row as a differentiable [rows, C] tensor (the same q as
// in CrossEntropyRows), for the gradient formula used while recording a gradient graph.
Tensor target_weights(const Tensor &target_rows, bool probabilities, const Tensor &weight,
                      int64_t classes, int64_t ignore_index, double smoothing, DType dtype) {
  Tensor q;
  if (probabilities) {
    q = target_rows * (1 - smoothing) + smoothing / classes;
  } else {
    Tensor valid = (target_rows != ignore_index).unsqueeze(-1);
    Tensor safe = masked_fill(target_rows, target_rows == ignore_index, 0);
    q = (one_hot(safe, classes).to(dtype) * (1 - smoothing) + smoothing / classes) * valid;
  }
  return q * weight;
}

} // namespace

// ---- regression ---------------------------------------------------------------------------------

Tensor mse_loss(const Tensor &input, const Tensor &target, const std::string &reduction) {
  Reduction r = parse_reduction(reduction, "mse_loss");
  broadcast_shapes(input.sizes(), target.sizes(), "mse_loss");
  return reduce_loss(square(input - target), r);
}

Tensor l1_loss(const Tensor &input, const Tensor &target, const std::string &reduction) {
  Reduction r = parse_reduction(reduction, "l1_loss");
  broadcast_shapes(input.sizes(), target.sizes(), "l1_loss");
  return reduce_loss(abs(input - target), r);
}

Tensor smooth_l1_loss(const Tensor &input, const Tensor &target, const std::string &reduction,
                      double beta) {
  Reduction r = parse_reduction(reduction, "smooth_l1_loss");
  EMBER_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  broadcast_shapes(input.sizes(), target.sizes(), "smooth_l1_loss");
  Tensor distance = abs(input - target);
  if (beta == 0) // the quadratic zone is empty (and would divide by 0)
    return reduce_loss(distance, r);
  return reduce_loss(where(distance < beta, square(distance) * (0.5 / beta), distance - 0.5 * beta),
                     r);
}

Tensor huber_loss(const Tensor &input, const Tensor &target, const std::string &reduction,
                  double delta) {
  Reduction r = parse_reduction(reduction, "huber_loss");
  EMBER_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  broadcast_shapes(input.sizes(), target.sizes(), "huber_loss");
  Tensor distance = abs(input - target);
  return reduce_loss(
      where(distance < delta, square(distance) * 0.5, (distance - 0.5 * delta) * delta), r);
}

// ---- classification -----------------------------------------------------------------------------

Tensor nll_loss(const Tensor &input, const Tensor &target, const Tensor &weight,
                int64_t ignore_index, const std::string &reduction) {
  Reduction r = parse_reduction(reduction, "nll_loss");
  const int64_t classes = class_count(input, weight, "nll_loss");
  checked_indices(input, target, classes, ignore_index, "nll_loss");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  Tensor ignored = target == ignore_index;
  Tensor safe_target = masked_fill(target, ignored, 0);
  Tensor picked = input.gather(class_dim, safe_target.unsqueeze(class_dim)).squeeze(class_dim);
  Tensor target_weight =
      weight.defined()
          ? weight.to(input.dtype()).index_select(0, safe_target.flatten()).view(target.sizes())
          : ones(target.sizes(), dtype(input.dtype()));
  target_weight = masked_fill(target_weight, ignored, 0);
  Tensor loss = -picked * target_weight;
  if (r == Reduction::Mean) // torch's weighted mean: divide by the weight of the counted targets
    return loss.sum() / target_weight.sum();
  return reduce_loss(loss, r);
}

Tensor cross_entropy(const Tensor &input, const Tensor &target, const Tensor &weight,
                     int64_t ignore_index, const std::string &reduction, double label_smoothing) {
  const char *op = "cross_entropy";
  Reduction r = parse_reduction(reduction, op);
  EMBER_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op,
              ": label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  const int64_t classes = class_count(input, weight, op);
  const bool probabilities = is_floating_point(target.dtype());
  Tensor target_rows;
  if (probabilities) {
    EMBER_CHECK(target.sizes() == input.sizes(), op, ": expected target of shape ", input.sizes(),
                " (class probabilities) or ", index_target_shape(input),
                " (int64 class indices) for input of shape ", input.sizes(), ", got ",
                target.dtype(), " target of shape ", target.sizes());
    target_rows = to_rows(target.to(input.dtype()), classes).contiguous();
  } else {
    target_rows = checked_indices(input, target, classes, ignore_index, op).reshape({-1});
  }
  const Shape input_sizes = input.sizes();
  const Shape loss_sizes = index_target_shape(input);
  const int64_t rows = input.numel() / classes;
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  // Without a weight the kernels read ones: a null pointer under a masked vector load would cost
  // a microcode assist per load on some CPUs (AMD Zen 4), and a branch per element elsewhere.
  Tensor class_weight = weight.defined() ? weight.to(input.dtype()).contiguous()
                                         : ones({classes}, dtype(input.dtype()));

  Tensor log_probs, out;
  double denominator = rows; // of the mean: the summed weight of the counted targets
  {
    NoGradGuard no_grad;
    // The softmax kernels handle the class dim in place, so only log_probs (not the input) is
    // transposed for spatial inputs.
    log_probs = to_rows(log_softmax(input, class_dim), classes).contiguous();
    Tensor losses = empty({rows}, dtype(input.dtype()));
    dispatch_floating(input.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      auto problem = CrossEntropyRows<T>::over(target_rows, probabilities, class_weight, classes,
                                               ignore_index, label_smoothing);
      problem.forward(log_probs.data_ptr<T>(), losses.data_ptr<T>());
      if (!probabilities) {
        denominator = 0;
        for (int64_t row = 0; row < rows; ++row)
          if (problem.indices[row] != ignore_index)
            denominator += problem.weight[problem.indices[row]];
      }
    });
    if (r == Reduction::None)
      out = losses.view(loss_sizes);
    else
      out = r == Reduction::Sum ? losses.sum() : losses.sum() / denominator;
  }

  Tensor target_input = probabilities ? target : Tensor(); // the only target with a gradient
  if (autograd::needs_grad(input, target_input))
    autograd::record(
        "CrossEntropyBackward", {input, target_input}, {out},
        {input, target_input, target_rows, class_weight, log_probs},
        [=](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
          const Tensor &x = ctx.saved[0], &w = ctx.saved[3];
          const bool create_graph = autograd::is_grad_enabled();
          // Probabilities in rows: recomputed from the target while recording a gradient graph,
          // so that the graph reaches the target.
          Tensor t_rows = create_graph && probabilities
                              ? to_rows(ctx.saved[1].to(x.dtype()), classes)
                              : ctx.saved[2];
          // The reduction's scale per row: [rows, 1] for "none", a 0-d tensor otherwise.
          Tensor scale = r == Reduction::None   ? grads[0].reshape({rows, 1})
                         : r == Reduction::Mean ? grads[0] / denominator
                                                : grads[0];
          // While recording a gradient graph, recompute log-probabilities differentiably.
          Tensor lp = create_graph ? to_rows(log_softmax(x, class_dim), classes) : ctx.saved[4];
          Tensor grad_input, grad_target;
          if (ctx.needs(0) && create_graph) {
            Tensor q = target_weights(t_rows, probabilities, w, classes, ignore_index,
                                      label_smoothing, x.dtype());
            grad_input = from_rows(scale * (q.sum(-1, true) * exp(lp) - q), input_sizes);
          } else if (ctx.needs(0)) {
            Tensor row_scale = scale.to(lp.dtype()).contiguous();
            Tensor grad_rows = empty(lp.sizes(), dtype(lp.dtype()));
            dispatch_floating(lp.dtype(), op, [&](auto tag) {
              using T = decltype(tag);
              auto problem = CrossEntropyRows<T>::over(t_rows, probabilities, w, classes,
                                                       ignore_index, label_smoothing);
              problem.backward(lp.data_ptr<T>(), row_scale.data_ptr<T>(),
                               r == Reduction::None ? 1 : 0, grad_rows.data_ptr<T>());
            });
            grad_input = from_rows(grad_rows, input_sizes);
          }
          if (ctx.needs(1)) { // d loss / d p[c] = -(1 - eps) w[c] log_softmax(x)[c]
            grad_target = from_rows(scale * lp * w * -(1 - label_smoothing), input_sizes);
          }
          return {grad_input, grad_target};
        });
  return out;
}

Tensor binary_cross_entropy(const Tensor &input, const Tensor &target, const Tensor &weight,
                            const std::string &reduction) {
  const char *op = "binary_cross_entropy";
  Reduction r = parse_reduction(reduction, op);
  check_same_shape(input, target, op);
  if (weight.defined())
    broadcast_shapes(weight.sizes(), input.sizes(), op);
  Tensor loss;
  {
    NoGradGuard no_grad;
    EMBER_CHECK(!((input < 0) || (input > 1)).any().item<bool>(), op,
                ": all elements of input should be between 0 and 1");
    // torch clamps the logs to >= -100 so that a confident wrong prediction costs 100, not inf.
    loss = -(target * clamp_min(log(input), -100) + (1 - target) * clamp_min(log(1 - input), -100));
    if (weight.defined())
      loss = loss * weight;
  }
  if (autograd::needs_grad(input, target))
    autograd::record("BinaryCrossEntropyBackward", {input, target}, {loss}, {input, target, weight},
                     [](const BackwardContext &ctx, const TensorList &grads) -> TensorList {
                       const Tensor &x = ctx.saved[0], &t = ctx.saved[1], &w = ctx.saved[2];
                       Tensor g = w.defined() ? grads[0] * w : grads[0];
                       Tensor grad_input, grad_target;
                       // torch's formula: finite where x is exactly 0 or 1.
                       if (ctx.needs(0))
                         grad_input = g * (x - t) / clamp_min((1 - x) * x, 1e-12);
                       if (ctx.needs(1))
                         grad_target = g * (clamp_min(log(1 - x), -100) - clamp_min(log(x), -100));
                       return {grad_input, grad_target};
                     });
  return reduce_loss(loss, r);
}

Tensor binary_cross_entropy_with_logits(const Tensor &input, const Tensor &target,
                                        const Tensor &weight, const std::string &reduction,
                                        const Tensor &pos_weight) {
  const char *op = "binary_cross_entropy_with_logits";
  Reduction r = parse_reduction(reduction, op);
  check_same_shape(input, target, op);
  // -log(sigmoid(x)) = softplus(-x) and -log(1 - sigmoid(x)) = x + softplus(-x), stable for any x.
  Tensor negative_log_sigmoid = softplus(-input);
  Tensor positive_weight = pos_weight.defined() ? (pos_weight - 1) * target + 1 : Tensor();
  Tensor loss =
      (1 - target) * input +
      (positive_weight.defined() ? positive_weight * negative_log_sigmoid : negative_log_sigmoid);
  if (weight.defined())
    loss = loss * weight;
  return reduce_loss(loss, r);
}

Tensor kl_div(const Tensor &input, const Tensor &target, const std::string &reduction,
              bool log_target) {
  Reduction r = parse_reduction(reduction, "kl_div", true);
  broadcast_shapes(input.sizes(), target.sizes(), "kl_div");
  Tensor loss;
  if (log_target) {
    loss = exp(target) * (target - input);
  } else {
    // target * log(target) taken as 0 where target is 0 (xlogy).
    Tensor target_log_target = target * log(masked_fill(target, target == 0, 1));
    loss = target_log_target - target * input;
  }
  return reduce_loss(loss, r);
}

Tensor poisson_nll_loss(const Tensor &input, const Tensor &target, bool log_input, bool full,
                        double eps, const std::string &reduction) {
  Reduction r = parse_reduction(reduction, "poisson_nll_loss");
  broadcast_shapes(input.sizes(), target.sizes(), "poisson_nll_loss");
  Tensor loss = log_input ? exp(input) - target * input : input - target * log(input + eps);
  if (full) {
    // Stirling's approximation of log(target!), used where target > 1. The dropped entries see
    // target 1 so that their logs (and gradients) stay finite.
    Tensor dropped = target <= 1;
    Tensor safe = masked_fill(target, dropped, 1);
    Tensor stirling = safe * log(safe) - safe + log(safe * (2 * M_PI)) * 0.5;
    loss = loss + masked_fill(stirling, dropped, 0);
  }
  return reduce_loss(loss, r);
}

// ---- embeddings and ranking ---------------------------------------------------------------------

Tensor cosine_embedding_loss(const Tensor &input1, const Tensor &input2, const Tensor &target,
                             double margin, const std::string &reduction) {
  const char *op = "cosine_embedding_loss";
  Reduction r = parse_reduction(reduction, op);
  EMBER_CHECK(target.dim() <= 1, op,
              ": expected a 0-d or 1-d target (multi-target not supported), got shape ",
              target.sizes());
  const int64_t input_dim = target.dim() + 1;
  EMBER_CHECK(input1.dim() == input_dim && input2.dim() == input_dim, op, ": a ", target.dim(),
              "-d target expects ", input_dim, "-d inputs, got inputs of shapes ", input1.sizes(),
              " and ", input2.sizes());
  const int64_t dim = target.dim(); // the feature dim
  // torch's epsilon keeps the norms of zero vectors from dividing by 0.
  constexpr double kEpsilon = 1e-12;
  Tensor dot_products = (input1 * input2).sum(dim);
  Tensor squared_norms =
      ((input1 * input1).sum(dim) + kEpsilon) * ((input2 * input2).sum(dim) + kEpsilon);
  Tensor cosine = dot_products / sqrt(squared_norms);
  Tensor zero = zeros_like(cosine);
  Tensor loss = where(target == 1, 1 - cosine, zero) +
                where(target == -1, clamp_min(cosine - margin, 0), zero);
  return reduce_loss(loss, r);
}

Tensor margin_ranking_loss(const Tensor &input1, const Tensor &input2, const Tensor &target,
                           double margin, const std::string &reduction) {
  Reduction r = parse_reduction(reduction, "margin_ranking_loss");
  broadcast_shapes(broadcast_shapes(input1.sizes(), input2.sizes(), "margin_ranking_loss"),
                   target.sizes(), "margin_ranking_loss");
  return reduce_loss(clamp_min(-target * (input1 - input2) + margin, 0), r);
}

Tensor triplet_margin_loss(const Tensor &anchor, const Tensor &positive, const Tensor &negative,
                           double margin, double p, double eps, bool swap,
                           const std::string &reduction) {
  const char *op = "triplet_margin_loss";
  Reduction r = parse_reduction(reduction, op);
  EMBER_CHECK(anchor.dim() == positive.dim() && positive.dim() == negative.dim(), op,
              ": expected anchor, positive and negative with the same number of dimensions, got "
              "shapes ",
              anchor.sizes(), ", ", positive.sizes(), " and ", negative.sizes());
  EMBER_CHECK(anchor.dim() >= 1, op, ": expected inputs with at least one dimension");
  // torch's pairwise_distance: the p-norm of a - b + eps over the last dim.
  auto distance = [&](const Tensor &a, const Tensor &b) { return norm(a - b + eps, p, {-1}); };
  Tensor positive_distance = distance(anchor, positive);
  Tensor negative_distance = distance(anchor, negative);
  if (swap)
    negative_distance = minimum(negative_distance, distance(positive, negative));
  return reduce_loss(clamp_min(positive_distance - negative_distance + margin, 0), r);
}

} // namespace ember::nn::functional
