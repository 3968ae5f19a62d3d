// CPU kernels of the fused recurrent layers (src/nn/rnn_fused.cpp): the elementwise part of one
// time step of each cell, forward and backward, over a range of batch rows, vectorized with
// SLEEF where available. Matrix products are BLAS calls made by the caller; these kernels only
// read what those products wrote. Gate blocks follow torch's row order in weight_ih/weight_hh:
// LSTM (i, f, g, o), GRU (r, z, n); a row of G gates is G * H contiguous values.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "backend/cpu/elementwise_kernels.h"

namespace ember::cpu::rnn {

// A pack of lanes: a SIMD vector where SLEEF is available, else one scalar.
#if EMBER_HAVE_VECTOR_MATH
template <typename T> using Pack = Vec<T>;
template <typename T> inline Pack<T> exp_pack(Pack<T> x) { return sleef::exp(x); }
template <typename T> inline Pack<T> tanh_pack(Pack<T> x) { return sleef::tanh(x); }
#else
template <typename T> using Pack = T;
template <typename T> inline T exp_pack(T x) { return std::exp(x); }
template <typename T> inline T tanh_pack(T x) { return std::tanh(x); }
#endif
template <typename T> constexpr int64_t kLanes = sizeof(Pack<T>) / sizeof(T);

// Loads and stores of n <= kLanes values (the tail of a row goes through a partial pack). Full
// packs take a fixed-size copy, which compiles to one vector move.
template <typename T> inline Pack<T> load(const T *p, int64_t n) {
  Pack<T> v{};
  if (n == kLanes<T>)
    std::memcpy(&v, p, sizeof(v));
  else
    std::memcpy(&v, p, static_cast<size_t>(n) * sizeof(T));
  return v;
}
template <typename T> inline void store(T *p, Pack<T> v, int64_t n) {
  if (n == kLanes<T>)
    std::memcpy(p, &v, sizeof(v));
  else
    std::memcpy(p, &v, static_cast<size_t>(n) * sizeof(T));
}

template <typename T> inline Pack<T> sigmoid_pack(Pack<T> x) {
  return T(1) / (T(1) + exp_pack<T>(-x));
}

// Calls body(j, n) over [0, hidden) in packs of n lanes.
template <typename T, typename Body> inline void for_lanes(int64_t hidden, const Body &body) {
  for (int64_t j = 0; j < hidden; j += kLanes<T>)
    body(j, std::min<int64_t>(kLanes<T>, hidden - j));
}

// ---- LSTM -------------------------------------------------------------------------------------
// gates [rows, 4H]: pre-activations in, activations (i, f, g, o) out. c_prev may be null (zeros).
template <typename T>
void lstm_forward(int64_t rows, int64_t hidden, T *gates, const T *c_prev, T *c_out, T *h_out) {
  for (int64_t b = 0; b < rows; ++b) {
    T *g = gates + b * 4 * hidden;
    const T *cp = c_prev ? c_prev + b * hidden : nullptr;
    T *c = c_out + b * hidden, *h = h_out + b * hidden;
    for_lanes<T>(hidden, [&](int64_t j, int64_t n) {
      Pack<T> i = sigmoid_pack<T>(load(g + j, n));
      Pack<T> f = sigmoid_pack<T>(load(g + hidden + j, n));
      Pack<T> cell = tanh_pack<T>(load(g + 2 * hidden + j, n));
      Pack<T> o = sigmoid_pack<T>(load(g + 3 * hidden + j, n));
      Pack<T> c_new = i * cell;
      if (cp)
        c_new += f * load(cp + j, n);
      store(g + j, i, n);
      store(g + hidden + j, f, n);
      store(g + 2 * hidden + j, cell, n);
      store(g + 3 * hidden + j, o, n);
      store(c + j, c_new, n);
      store(h + j, o * tanh_pack<T>(c_new), n);
    });
  }
}

// From the activations of one step, the cell states around it and dh = dh_next + dy (the
// gradient reaching h_t), writes the pre-activation gradients dgates [rows, 4H] and replaces
// dc (in: gradient reaching c_t from later steps; out: gradient of c_{t-1}).
template <typename T>
void lstm_backward(int64_t rows, int64_t hidden, const T *gates, const T *c, const T *c_prev,
                   const T *dh_next, const T *dy, T *dc, T *dgates) {
  for (int64_t b = 0; b < rows; ++b) {
    const T *g = gates + b * 4 * hidden;
    T *dg = dgates + b * 4 * hidden;
    const int64_t row = b * hidden;
    for_lanes<T>(hidden, [&](int64_t j, int64_t n) {
      Pack<T> i = load(g + j, n), f = load(g + hidden + j, n);
      Pack<T> cell = load(g + 2 * hidden + j, n), o = load(g + 3 * hidden + j, n);
      Pack<T> dh = load(dh_next + row + j, n) + load(dy + row + j, n);
      Pack<T> tc = tanh_pack<T>(load(c + row + j, n));
      Pack<T> dct = load(dc + row + j, n) + dh * o * (T(1) - tc * tc);
      Pack<T> cp = c_prev ? load(c_prev + row + j, n) : Pack<T>{};
      store(dg + j, dct * cell * i * (T(1) - i), n);
      store(dg + hidden + j, dct * cp * f * (T(1) - f), n);
      store(dg + 2 * hidden + j, dct * i * (T(1) - cell * cell), n);
      store(dg + 3 * hidden + j, dh * tc * o * (T(1) - o), n);
      store(dc + row + j, dct * f, n);
    });
  }
}

// ---- GRU --------------------------------------------------------------------------------------
// gx [rows, 3H]: x W_ih^T + b_ih in, activations (r, z, n) out. gh [rows, 3H]: h W_hh^T in; its
// n block gets h W_hn^T + b_hn (kept for backward). h_prev may be null (zeros).
template <typename T>
void gru_forward(int64_t rows, int64_t hidden, T *gx, T *gh, const T *b_hh, const T *h_prev,
                 T *h_out) {
  for (int64_t b = 0; b < rows; ++b) {
    T *x = gx + b * 3 * hidden, *r_h = gh + b * 3 * hidden;
    const T *hp = h_prev ? h_prev + b * hidden : nullptr;
    T *h = h_out + b * hidden;
    for_lanes<T>(hidden, [&](int64_t j, int64_t n) {
      Pack<T> r = sigmoid_pack<T>(load(x + j, n) + load(r_h + j, n) + load(b_hh + j, n));
      Pack<T> z = sigmoid_pack<T>(load(x + hidden + j, n) + load(r_h + hidden + j, n) +
                                  load(b_hh + hidden + j, n));
      Pack<T> hn = load(r_h + 2 * hidden + j, n) + load(b_hh + 2 * hidden + j, n);
      Pack<T> cand = tanh_pack<T>(load(x + 2 * hidden + j, n) + r * hn);
      Pack<T> previous = hp ? load(hp + j, n) : Pack<T>{};
      store(x + j, r, n);
      store(x + hidden + j, z, n);
      store(x + 2 * hidden + j, cand, n);
      store(r_h + 2 * hidden + j, hn, n);
      store(h + j, cand + z * (previous - cand), n);
    });
  }
}

// dh_in: in, the gradient reaching h_t from later steps (dy is added); out, its direct part
// dh * z toward h_{t-1} (the caller adds dgh @ W_hh). Writes dgx and dgh [rows, 3H].
template <typename T>
void gru_backward(int64_t rows, int64_t hidden, const T *gates, const T *gh, const T *h_prev,
                  const T *dy, T *dh_in, T *dgx, T *dgh) {
  for (int64_t b = 0; b < rows; ++b) {
    const T *g = gates + b * 3 * hidden, *hn_row = gh + b * 3 * hidden + 2 * hidden;
    T *dx = dgx + b * 3 * hidden, *dhh = dgh + b * 3 * hidden;
    const int64_t row = b * hidden;
    for_lanes<T>(hidden, [&](int64_t j, int64_t n) {
      Pack<T> r = load(g + j, n), z = load(g + hidden + j, n), cand = load(g + 2 * hidden + j, n);
      Pack<T> hn = load(hn_row + j, n);
      Pack<T> previous = h_prev ? load(h_prev + row + j, n) : Pack<T>{};
      Pack<T> dh = load(dh_in + row + j, n) + load(dy + row + j, n);
      Pack<T> dn = dh * (T(1) - z) * (T(1) - cand * cand);
      Pack<T> dr = dn * hn * r * (T(1) - r);
      Pack<T> dz = dh * (previous - cand) * z * (T(1) - z);
      store(dx + j, dr, n);
      store(dx + hidden + j, dz, n);
      store(dx + 2 * hidden + j, dn, n);
      store(dhh + j, dr, n);
      store(dhh + hidden + j, dz, n);
      store(dhh + 2 * hidden + j, dn * r, n);
      store(dh_in + row + j, dh * z, n);
    });
  }
}

// ---- Elman RNN --------------------------------------------------------------------------------
// pre [rows, H]: pre-activations; writes h = tanh(pre) or relu(pre).
template <typename T>
void rnn_forward(int64_t rows, int64_t hidden, bool relu, const T *pre, T *h_out) {
  for_lanes<T>(rows * hidden, [&](int64_t j, int64_t n) {
    Pack<T> x = load(pre + j, n);
    store(h_out + j, relu ? (x > T(0) ? x : Pack<T>{}) : tanh_pack<T>(x), n);
  });
}

// dpre = (dh_next + dy) * activation'(pre), expressed through h.
template <typename T>
void rnn_backward(int64_t rows, int64_t hidden, bool relu, const T *h, const T *dh_next,
                  const T *dy, T *dpre) {
  for_lanes<T>(rows * hidden, [&](int64_t j, int64_t n) {
    Pack<T> out = load(h + j, n);
    Pack<T> dh = load(dh_next + j, n) + load(dy + j, n);
    store(dpre + j, relu ? (out > T(0) ? dh : Pack<T>{}) : dh * (T(1) - out * out), n);
  });
}

} // namespace ember::cpu::rnn
