// L-BFGS with an optional strong-Wolfe line search, following torch 1.13's torch/optim/lbfgs.py
// step by step so that the iterates match. All parameters are viewed as one flat float64 vector.
#include "ember/optim/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "ember/autograd.h"
#include "ember/ops.h"

namespace ember::optim {

void LBFGSOptions::fields(StateFields &f) {
  f("lr", lr_);
  f("max_iter", max_iter_);
  f("max_eval", max_eval_);
  f("tolerance_grad", tolerance_grad_);
  f("tolerance_change", tolerance_change_);
  f("history_size", history_size_);
  f("line_search_fn", line_search_fn_);
}

namespace {

using Vector = std::vector<double>;

double dot(const Vector &a, const Vector &b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += a[i] * b[i];
  return sum;
}

double abs_max(const Vector &a) {
  double result = 0;
  for (double x : a)
    result = std::max(result, std::abs(x));
  return result;
}

double abs_sum(const Vector &a) {
  double result = 0;
  for (double x : a)
    result += std::abs(x);
  return result;
}

// Calls fn(data, n) on a parameter's elements as a contiguous float or double array, writing
// back when the parameter itself is not contiguous.
template <typename Fn> void with_data(const Tensor &param, bool write, const Fn &fn) {
  EMBER_CHECK(param.dtype() == kFloat32 || param.dtype() == kFloat64,
              "LBFGS: parameters must be float32 or float64, got ", param.dtype());
  Tensor work = param.is_contiguous() ? param : param.contiguous();
  if (work.dtype() == kFloat32)
    fn(work.data_ptr<float>(), work.numel());
  else
    fn(work.data_ptr<double>(), work.numel());
  if (!write)
    return;
  if (!work.is_same(param))
    Tensor(param).copy_(work);
  else
    param.impl()->storage()->bump_version();
}

Tensor to_tensor(const Vector &values, Shape sizes) {
  Tensor t = empty(sizes, dtype(kFloat64));
  std::copy(values.begin(), values.end(), t.data_ptr<double>());
  return t;
}

// Reads saved state whatever its dtype: load_state_dict casts floating state to the parameters'
// dtype (as torch does), so it may come back as float32.
Vector to_vector(const Tensor &t, int64_t begin, int64_t count) {
  Tensor c = t.to(kFloat64).contiguous();
  const double *data = c.data_ptr<double>() + begin;
  return Vector(data, data + count);
}

// The minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to bounds
// (default: the interval between x1 and x2).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  const auto [xmin_bound, xmax_bound] =
      bounds ? *bounds : (x1 <= x2 ? std::pair(x1, x2) : std::pair(x2, x1));
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / 2.;
}

struct Evaluation {
  double loss;
  Vector grad;
};

struct LineSearchResult {
  double loss;
  Vector grad;
  double t;
  int64_t evals;
};

// Finds a step t along d satisfying the strong Wolfe conditions (bracketing, then zooming with
// cubic interpolation). evaluate(t) gives the loss and gradient at x + t d.
LineSearchResult strong_wolfe(const std::function<Evaluation(double)> &evaluate, double t,
                              const Vector &d, double f, const Vector &g, double gtd,
                              double c1 = 1e-4, double c2 = 0.9, double tolerance_change = 1e-9,
                              int64_t max_ls = 25) {
  const double d_norm = abs_max(d);
  Evaluation next = evaluate(t);
  int64_t evals = 1;
  double gtd_new = dot(next.grad, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Vector g_prev = g;
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Vector> bracket_g;
  while (ls_iter < max_ls) {
    auto bracket_previous_and_current = [&] {
      bracket = {t_prev, t};
      bracket_f = {f_prev, next.loss};
      bracket_g = {g_prev, next.grad};
      bracket_gtd = {gtd_prev, gtd_new};
    };
    if (next.loss > f + c1 * t * gtd || (ls_iter > 1 && next.loss >= f_prev)) {
      bracket_previous_and_current();
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t};
      bracket_f = {next.loss};
      bracket_g = {next.grad};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket_previous_and_current();
      break;
    }
    // Extrapolate beyond t.
    const double min_step = t + 0.01 * (t - t_prev);
    const double max_step = t * 10;
    const double previous = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, next.loss, gtd_new,
                          std::pair(min_step, max_step));
    t_prev = previous;
    f_prev = next.loss;
    g_prev = next.grad;
    gtd_prev = gtd_new;
    next = evaluate(t);
    ++evals;
    gtd_new = dot(next.grad, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) {
    bracket = {0, t};
    bracket_f = {f, next.loss};
    bracket_g = {g, next.grad};
  }

  // Zoom: shrink the bracket until a point satisfies the conditions.
  bool insufficient_progress = false;
  size_t low = bracket_f.front() <= bracket_f.back() ? 0 : 1;
  size_t high = 1 - low;
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change)
      break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                          bracket_gtd[1]);
    // Keep away from the bracket's ends, or progress can stall there.
    const double hi = std::max(bracket[0], bracket[1]), lo = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (hi - lo);
    if (std::min(hi - t, t - lo) < eps) {
      if (insufficient_progress || t >= hi || t <= lo) {
        t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    next = evaluate(t);
    ++evals;
    gtd_new = dot(next.grad, d);
    ++ls_iter;
    if (next.loss > f + c1 * t * gtd || next.loss >= bracket_f[low]) {
      bracket[high] = t;
      bracket_f[high] = next.loss;
      bracket_g[high] = next.grad;
      bracket_gtd[high] = gtd_new;
      low = bracket_f[0] <= bracket_f[1] ? 0 : 1;
      high = 1 - low;
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bracket_f[high] = bracket_f[low];
        bracket_g[high] = bracket_g[low];
        bracket_gtd[high] = bracket_gtd[low];
      }
      bracket[low] = t;
      bracket_f[low] = next.loss;
      bracket_g[low] = next.grad;
      bracket_gtd[low] = gtd_new;
    }
  }
  return {bracket_f[low], bracket_g[low], bracket[low], evals};
}

} // namespace

LBFGS::LBFGS(std::vector<Tensor> params, const LBFGSOptions &defaults)
    : Optimizer({ParamGroup(std::move(params))}, [&] {
        LBFGSOptions resolved = defaults;
        if (!resolved.max_eval())
          resolved.max_eval(resolved.max_iter() * 5 / 4);
        return resolved.clone();
      }()) {
  EMBER_CHECK(defaults.lr() >= 0, "LBFGS: invalid learning rate: ", defaults.lr());
  const auto &search = defaults.line_search_fn();
  EMBER_CHECK(!search || *search == "strong_wolfe",
              "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '", *search, "'");
}

Tensor LBFGS::step(LossClosure closure) {
  EMBER_CHECK(closure != nullptr, "LBFGS: step() requires a closure that returns the loss");
  EMBER_CHECK(param_groups().size() == 1,
              "LBFGS doesn't support per-parameter options (parameter groups)");
  NoGradGuard no_grad;
  auto evaluate_closure = [&] {
    EnableGradGuard grad_mode;
    return closure();
  };
  ParamGroup &group = param_groups()[0];
  const auto &o = static_cast<const LBFGSOptions &>(group.options());
  const std::vector<Tensor> &params = group.params();
  int64_t numel = 0;
  for (const Tensor &p : params)
    numel += p.numel();

  auto gather_flat_grad = [&] {
    Vector flat(numel, 0.0);
    int64_t offset = 0;
    for (const Tensor &p : params) {
      if (p.grad().defined())
        with_data(p.grad(), false,
                  [&](const auto *g, int64_t n) { std::copy(g, g + n, flat.begin() + offset); });
      offset += p.numel();
    }
    return flat;
  };
  // x += step_size * update, parameter by parameter.
  auto add_grad = [&](double step_size, const Vector &update) {
    int64_t offset = 0;
    for (const Tensor &p : params) {
      with_data(p, true, [&](auto *data, int64_t n) {
        using T = std::remove_cvref_t<decltype(*data)>;
        for (int64_t i = 0; i < n; ++i)
          data[i] = data[i] + static_cast<T>(step_size) * static_cast<T>(update[offset + i]);
      });
      offset += p.numel();
    }
  };

  StateDict &state = this->state(params[0]);
  auto number = [&](const char *name, double initial) -> double & {
    return std::get<double>(state.try_emplace(name, initial).first->second);
  };
  double &func_evals = number("func_evals", 0);
  double &state_n_iter = number("n_iter", 0);

  Tensor orig_loss = evaluate_closure();
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  func_evals += 1;
  Vector flat_grad = gather_flat_grad();
  if (abs_max(flat_grad) <= o.tolerance_grad())
    return orig_loss;

  // The state carried between calls (torch's state['d'], ...).
  Vector d, prev_flat_grad;
  std::deque<Vector> old_dirs, old_stps;
  std::deque<double> ro;
  double t = 0, H_diag = 1, prev_loss = 0;
  if (state.contains("d")) {
    d = to_vector(std::get<Tensor>(state["d"]), 0, numel);
    prev_flat_grad = to_vector(std::get<Tensor>(state["prev_flat_grad"]), 0, numel);
    t = std::get<double>(state["t"]);
    H_diag = std::get<double>(state["H_diag"]);
    prev_loss = std::get<double>(state["prev_loss"]);
    const auto &saved_ro = std::get<std::vector<double>>(state["ro"]);
    ro.assign(saved_ro.begin(), saved_ro.end());
    for (size_t i = 0; i < ro.size(); ++i) {
      old_dirs.push_back(to_vector(std::get<Tensor>(state["old_dirs"]), i * numel, numel));
      old_stps.push_back(to_vector(std::get<Tensor>(state["old_stps"]), i * numel, numel));
    }
  }

  const size_t history_size = static_cast<size_t>(o.history_size());
  int64_t n_iter = 0;
  while (n_iter < o.max_iter()) {
    ++n_iter;
    state_n_iter += 1;
    // The descent direction.
    if (state_n_iter == 1) {
      d.resize(numel);
      std::transform(flat_grad.begin(), flat_grad.end(), d.begin(), std::negate<>());
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      H_diag = 1;
    } else {
      // Update the memory with y = g_k - g_{k-1} and s = t d, skipping curvature-poor pairs.
      Vector y(numel), s(numel);
      for (int64_t i = 0; i < numel; ++i) {
        y[i] = flat_grad[i] - prev_flat_grad[i];
        s[i] = d[i] * t;
      }
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (old_dirs.size() == history_size) {
          old_dirs.pop_front();
          old_stps.pop_front();
          ro.pop_front();
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(1. / ys);
        H_diag = ys / dot(y, y);
      }
      // The two-loop recursion: d = -H g.
      const size_t num_old = old_dirs.size();
      std::vector<double> al(num_old);
      Vector q(numel);
      std::transform(flat_grad.begin(), flat_grad.end(), q.begin(), std::negate<>());
      for (size_t k = num_old; k-- > 0;) {
        al[k] = dot(old_stps[k], q) * ro[k];
        for (int64_t i = 0; i < numel; ++i)
          q[i] += -al[k] * old_dirs[k][i];
      }
      for (int64_t i = 0; i < numel; ++i)
        d[i] = q[i] * H_diag;
      for (size_t k = 0; k < num_old; ++k) {
        const double be_i = dot(old_dirs[k], d) * ro[k];
        for (int64_t i = 0; i < numel; ++i)
          d[i] += (al[k] - be_i) * old_stps[k][i];
      }
    }
    prev_flat_grad = flat_grad;
    prev_loss = loss;

    // The step length: the first one is scaled down by the gradient's size.
    t = state_n_iter == 1 ? std::min(1., 1. / abs_sum(flat_grad)) * o.lr() : o.lr();
    const double gtd = dot(flat_grad, d);
    if (gtd > -o.tolerance_change())
      break; // not a descent direction

    int64_t ls_func_evals = 0;
    bool opt_cond = false;
    if (o.line_search_fn()) {
      std::vector<Tensor> x_init;
      for (const Tensor &p : params)
        x_init.push_back(p.clone());
      auto evaluate = [&](double step_t) {
        add_grad(step_t, d);
        Evaluation result{evaluate_closure().item<double>(), gather_flat_grad()};
        for (size_t k = 0; k < params.size(); ++k)
          Tensor(params[k]).copy_(x_init[k]);
        return result;
      };
      LineSearchResult found = strong_wolfe(evaluate, t, d, loss, flat_grad, gtd);
      loss = found.loss;
      flat_grad = std::move(found.grad);
      t = found.t;
      ls_func_evals = found.evals;
      add_grad(t, d);
      opt_cond = abs_max(flat_grad) <= o.tolerance_grad();
    } else {
      // A fixed step; re-evaluate unless this is the last iteration.
      add_grad(t, d);
      if (n_iter != o.max_iter()) {
        loss = evaluate_closure().item<double>();
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= o.tolerance_grad();
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals += static_cast<double>(ls_func_evals);

    // Stopping conditions.
    if (n_iter == o.max_iter() || current_evals >= *o.max_eval() || opt_cond)
      break;
    double step_max = 0;
    for (double di : d)
      step_max = std::max(step_max, std::abs(di * t));
    if (step_max <= o.tolerance_change() || std::abs(loss - prev_loss) < o.tolerance_change())
      break;
  }

  state["d"] = to_tensor(d, {numel});
  state["t"] = t;
  state["H_diag"] = H_diag;
  state["prev_flat_grad"] = to_tensor(prev_flat_grad, {numel});
  state["prev_loss"] = prev_loss;
  state["ro"] = std::vector<double>(ro.begin(), ro.end());
  const int64_t history = static_cast<int64_t>(ro.size());
  Vector dirs, stps;
  for (int64_t k = 0; k < history; ++k) {
    dirs.insert(dirs.end(), old_dirs[k].begin(), old_dirs[k].end());
    stps.insert(stps.end(), old_stps[k].begin(), old_stps[k].end());
  }
  state["old_dirs"] = to_tensor(dirs, {history, numel});
  state["old_stps"] = to_tensor(stps, {history, numel});
  return orig_loss;
}

} // namespace ember::optim
