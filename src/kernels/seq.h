/*
 * seq.h - reference kernels of the sequence-model ops (ops/tensor_layernorm.c,
 * tensor_rnn.c, tensor_attn.c): layer normalisation, the pointwise parts of
 * the LSTM and GRU cells and a row-wise masked softmax.
 *
 * Like kernels.h these only compute: the caller has validated shapes,
 * allocated contiguous float buffers and done the matrix products (through
 * kernels_backend()). The formulas follow PyTorch 1.13's CPU kernels
 * (aten/src/ATen/native/RNN.cpp, cpu/layer_norm_kernel.cpp, SoftMax.cpp).
 */
#ifndef TS_KERNELS_SEQ_H
#define TS_KERNELS_SEQ_H

#include <stdint.h>
#include <stdbool.h>

/* y[r, :] = (x[r, :] - mean) * rstd * gamma + beta for rows r < rows of n
 * contiguous elements; rstd = 1 / sqrt(var + eps), var the biased variance.
 * gamma / beta may be NULL (1 / 0). y may equal x. */
void kref_layer_norm_f32(float *y, const float *x, int64_t rows, int64_t n, const float *gamma,
                         const float *beta, double eps);
void kref_layer_norm_f64(double *y, const double *x, int64_t rows, int64_t n, const double *gamma,
                         const double *beta, double eps);

/* One LSTM step after the products: gates[b, 0:4H] = W_ih x + b_ih + W_hh h
 * + b_hh (rows of ld_gates floats), split as (input, forget, cell, output):
 * cy = sigmoid(f) * cx + sigmoid(i) * tanh(g); hy = sigmoid(o) * tanh(cy).
 * cx, cy, hy have rows of H contiguous floats with row strides ld_cx,
 * ld_cy, ld_hy. cy may equal cx. */
void kref_lstm_cell_f32(int64_t B, int64_t H, const float *gates, int64_t ld_gates, const float *cx,
                        int64_t ld_cx, float *cy, int64_t ld_cy, float *hy, int64_t ld_hy);

/* One GRU step after the products: ig = W_ih x + b_ih, hg = W_hh h + b_hh
 * (rows of 3H: reset, update, new); r = sigmoid(hg_r + ig_r),
 * z = sigmoid(hg_z + ig_z), n = tanh(ig_n + hg_n * r), hy = (h - n) * z + n.
 * hy may equal h. */
void kref_gru_cell_f32(int64_t B, int64_t H, const float *ig, int64_t ld_ig, const float *hg,
                       int64_t ld_hg, const float *h, int64_t ld_h, float *hy, int64_t ld_hy);

/* One Elman RNN step after the products: hy = tanh(hg + ig), or relu(hg + ig)
 * when relu (ig = W_ih x + b_ih, hg = W_hh h + b_hh, rows of H floats). */
void kref_rnn_cell_f32(int64_t B, int64_t H, const float *ig, int64_t ld_ig, const float *hg, int64_t ld_hg,
                       float *hy, int64_t ld_hy, bool relu);

/* Softmax of each of rows rows of n contiguous floats, in place. mask (NULL:
 * none) is rows x n bools, true where an element is masked out; a row with
 * every element masked becomes zeros (PyTorch's _masked_softmax). */
void kref_masked_softmax_f32(float *x, int64_t rows, int64_t n, const bool *mask);

/* Softmax of each of rows rows of n contiguous elements, in place, where a
 * row whose elements are all -inf (every key masked) becomes zeros
 * (PyTorch 2.x's _safe_softmax); a NaN anywhere makes its row NaN. */
void kref_safe_softmax_f32(float *x, int64_t rows, int64_t n);
void kref_safe_softmax_f64(double *x, int64_t rows, int64_t n);

/* RMS norm of each of rows rows of n contiguous elements: y = x * rstd
 * (* gamma), rstd = 1 / sqrt(mean(x^2) + eps): the squares and the mean
 * are rounded to T, as PyTorch computes them in the opmath type (so they
 * underflow and overflow where PyTorch's do), the sum is accumulated in
 * double.
 * gamma may be NULL. y may equal x. */
void kref_rms_norm_f32(float *y, const float *x, int64_t rows, int64_t n, const float *gamma, double eps);
void kref_rms_norm_f64(double *y, const double *x, int64_t rows, int64_t n, const double *gamma, double eps);

#endif
