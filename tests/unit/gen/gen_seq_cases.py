#!/usr/bin/python3
"""Generate tests/unit/test_seq_ops_cases.inc: calls of the sequence-model
ATen ops (layer_norm, lstm, gru, baddbmm, masked_fill, the attention fast
paths and their helpers) with results computed by real PyTorch (1.13), for
test_seq_ops.c.

    /usr/bin/python3 tests/unit/gen/gen_seq_cases.py > tests/unit/test_seq_ops_cases.inc

Like gen_ops_cases.py: each case calls torch.ops.aten.<name>.<overload>
(under torch.no_grad()) and records its results, every returned tensor (or
None, or a bool); error cases give the tscript status and a piece of our
message, and PyTorch must fail on them too."""
import math
import torch
import torch.nn.functional as F

torch.manual_seed(11)
f32, f64, i64, b1 = torch.float32, torch.float64, torch.int64, torch.bool
DT = {torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, i64: 4, torch.float16: 5, f32: 6, f64: 7,
      b1: 11, torch.bfloat16: 15}
cases = []


class TArg:
    def __init__(self, t, strided=False):
        self.t, self.strided = t, strided

    def value(self):
        t = self.t.clone()
        if self.strided and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t


class TList:
    def __init__(self, items):
        self.items = items


def T(t, strided=False):
    return TArg(t, strided)


def R(*shape, dtype=f32, scale=1.0, strided=False):
    return TArg((torch.randn(*shape) * scale).to(dtype), strided)


def pyval(a):
    if isinstance(a, TArg):
        return a.value()
    if isinstance(a, TList):
        return [x.value() for x in a.items]
    return a


def call(name, overload, args):
    op = getattr(getattr(torch.ops.aten, name), overload or 'default')
    pos, kw = [], {}
    for spec, a in zip(op._schema.arguments, args):
        if spec.kwarg_only:
            kw[spec.name] = pyval(a)
        else:
            pos.append(pyval(a))
    with torch.no_grad():
        return op(*pos, **kw)


def case(name, overload, args, tol=1e-5):
    res = call(name, overload, args)
    cases.append(dict(name=name, overload=overload, args=args, res=res, tol=tol))


def err(name, overload, args, status, msg):
    try:
        call(name, overload, args)
    except Exception:
        pass
    else:
        raise SystemExit('PyTorch accepted an error case: %s.%s' % (name, overload))
    cases.append(dict(name=name, overload=overload, args=args, status=status, msg=msg))


# ---- layer_norm ----
case('layer_norm', None, [R(2, 3, 8, scale=3), [8], R(8), R(8), 1e-5, True])
case('layer_norm', None, [R(2, 3, 8, strided=True), [3, 8], None, None, 1e-3, True])
case('layer_norm', None, [R(4, 6, dtype=f64), [6], R(6, dtype=f64), None, 1e-5, True], tol=1e-12)
err('layer_norm', None, [R(2, 3), [4], None, None, 1e-5, True], 'SHAPE', 'expected input with shape [*, 4], but got input of size[2, 3]')
err('layer_norm', None, [R(2, 3), [3], R(4), None, 1e-5, True], 'SHAPE', 'Expected weight to be of same shape as normalized_shape')


# ---- lstm / gru ----
def rnn_params(mode, I, H, L, D, bias=True, proj=0):
    G = {'lstm': 4, 'gru': 3}.get(mode, 1) * H
    P = proj or H
    ps = []
    for l in range(L):
        for _ in range(D):
            inl = I if l == 0 else D * P
            ps += [R(G, inl, scale=0.4), R(G, P, scale=0.4)]
            if bias:
                ps += [R(G, scale=0.3), R(G, scale=0.3)]
            if proj:
                ps.append(R(P, H, scale=0.4))
    return TList(ps)


T_, B_, I_, H_ = 3, 2, 4, 5
for L, D, bf, bias in [(1, 1, False, True), (2, 1, False, True), (2, 2, True, True), (1, 2, False, False)]:
    x = R(B_, T_, I_) if bf else R(T_, B_, I_)
    case('lstm', 'input', [x, TList([R(L * D, B_, H_), R(L * D, B_, H_)]), rnn_params('lstm', I_, H_, L, D, bias),
                           bias, L, 0.0, False, D == 2, bf])
    case('gru', 'input', [x, R(L * D, B_, H_), rnn_params('gru', I_, H_, L, D, bias), bias, L, 0.0, False, D == 2, bf])
# proj_size 3, and dropout that is ignored because train is False
case('lstm', 'input', [R(T_, B_, I_), TList([R(2, B_, 3), R(2, B_, H_)]), rnn_params('lstm', I_, H_, 2, 1, True, 3),
                       True, 2, 0.5, False, False, False])
# an input whose batch stride is not the contiguous one
case('gru', 'input', [R(T_, B_, I_, strided=True), R(1, B_, H_), rnn_params('gru', I_, H_, 1, 1), True, 1, 0.0, False,
                      False, False])
err('lstm', 'input', [R(T_, B_, I_), TList([R(1, B_, H_), R(1, B_, H_)]), rnn_params('lstm', I_, H_, 2, 1), True, 1,
                      0.0, False, False, False], 'VALUE', 'expected 4 parameter tensors')
err('gru', 'input', [R(T_, B_, I_ + 1), R(1, B_, H_), rnn_params('gru', I_, H_, 1, 1), True, 1, 0.0, False, False,
                     False], 'SHAPE', 'input.size(-1) must be equal to input_size. Expected 4, got 5')
err('gru', 'input', [R(T_, B_, I_), R(1, B_ + 1, H_), rnn_params('gru', I_, H_, 1, 1), True, 1, 0.0, False, False,
                     False], 'SHAPE', 'Expected hidden size [1, 2, 5], got [1, 3, 5]')

# ---- baddbmm ----
case('baddbmm', None, [R(2, 3, 5), R(2, 3, 4), R(2, 4, 5)])
case('baddbmm', None, [R(5), R(2, 3, 4, strided=True), R(2, 4, 5), 0.5, 2.0])
case('baddbmm', None, [T(torch.full((2, 3, 5), float('nan'))), R(2, 3, 4), R(2, 4, 5), 0, 1])
err('baddbmm', None, [R(2, 3, 5), R(3, 4), R(2, 4, 5)], 'SHAPE', 'batch1 must be a 3D tensor')
err('baddbmm', None, [R(2, 3, 5), R(2, 3, 4), R(2, 3, 5)], 'SHAPE', 'Incompatible matrix sizes for bmm (3x4 and 3x5)')

# ---- masked_fill ----
m = T(torch.tensor([[True, False, True], [False, False, True]]))
case('masked_fill', 'Scalar', [R(2, 3), m, -1.5], tol=0)
case('masked_fill', 'Scalar', [R(4, 1, 3), T(torch.tensor([True, False, True])), float('-inf')], tol=0)
case('masked_fill', 'Scalar', [T(torch.arange(6).reshape(2, 3)), m, 7], tol=0)
case('masked_fill', 'Tensor', [R(2, 3), m, T(torch.tensor(2.5))], tol=0)
case('masked_fill_', 'Scalar', [R(2, 3, strided=True), m, 0.25], tol=0)
case('masked_fill_', 'Tensor', [R(2, 3), T(torch.tensor([False, True, True])), T(torch.tensor(-3.0))], tol=0)
err('masked_fill', 'Scalar', [R(2, 3), R(2, 3), 1.0], 'TYPE', 'only supports boolean masks')
err('masked_fill', 'Tensor', [R(2, 3), m, R(2)], 'SHAPE', 'only supports a 0-dimensional value tensor')
err('masked_fill_', 'Scalar', [R(3), m, 1.0], 'SHAPE', 'cannot be broadcast')

# ---- attention fast paths ----
Bq, Tq, Dm, NH = 2, 4, 8, 2
mha_w = [R(3 * Dm, Dm, scale=0.4), R(3 * Dm, scale=0.2), R(Dm, Dm, scale=0.4), R(Dm, scale=0.2)]
xq = R(Bq, Tq, Dm)
kpm = torch.zeros(Bq, Tq, dtype=b1)
kpm[1, 2:] = True
am = torch.triu(torch.ones(Tq, Tq, dtype=b1), diagonal=1)
case('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [None, True, True, None])
case('_native_multi_head_attention', None, [xq, R(Bq, Tq, Dm), R(Bq, Tq, Dm), Dm, NH] + mha_w + [None, True, False, None])
case('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [T(kpm), True, True, 1])
case('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [T(am.expand(Bq, NH, Tq, Tq)), True, False, 2])
err('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [T(kpm), True, True, None],
    'VALUE', 'Mask Type should be defined')
err('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [T(kpm), True, True, 0],
    'UNSUPPORTED', 'src_mask not currently supported on CPU')
err('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [T(am), True, True, 1],
    'SHAPE', 'sizes()[0] == batch_size')
case('_native_multi_head_attention', None, [xq, xq, xq, Dm, NH] + mha_w + [None, False, True, None])
err('_native_multi_head_attention', None, [xq, R(Bq, Tq + 1, Dm), R(Bq, Tq + 1, Dm), Dm, NH] + mha_w + [None, True, True, None],
    'SHAPE', 'expected `query`/`key`/`value` shapes to match')
err('_native_multi_head_attention', None, [xq, xq, xq, Dm, 3] + mha_w + [None, True, True, None],
    'VALUE', '`embed_dim` must divide evenly by `num_heads`')
err('_native_multi_head_attention', None, [R(Bq, Tq, Dm + 1), R(Bq, Tq, Dm + 1), R(Bq, Tq, Dm + 1), Dm, NH] + mha_w +
    [None, True, True, None], 'SHAPE', "passed-in embed_dim 8 didn't match last dim of query 9")

FF = 12
enc_w = mha_w + ['gelu', 'norm_first', 1e-5, R(Dm), R(Dm), R(Dm), R(Dm),
                 R(FF, Dm, scale=0.4), R(FF, scale=0.2), R(Dm, FF, scale=0.4), R(Dm, scale=0.2)]
for gelu in (False, True):
    for norm_first in (False, True):
        w = list(enc_w)
        w[4], w[5] = gelu, norm_first
        case('_transformer_encoder_layer_fwd', None, [R(Bq, Tq, Dm), Dm, NH] + w + [None, None])
w = list(enc_w)
w[4], w[5] = False, False
case('_transformer_encoder_layer_fwd', None, [R(Bq, Tq, Dm), Dm, NH] + w + [T(kpm), 1])

# ---- helpers ----
case('logical_not', None, [T(torch.tensor([0.0, -1.0, float('nan'), 2.0]))], tol=0)
case('logical_not', None, [T(torch.tensor([True, False]))], tol=0)
case('logical_or', None, [T(torch.tensor([[True], [False]])), T(torch.tensor([False, True, False]))], tol=0)
case('index_select', None, [R(3, 4), 1, T(torch.tensor([3, 0, 0]))], tol=0)
case('index_select', None, [R(3, 4, strided=True), 0, T(torch.tensor([2, 1]))], tol=0)
err('index_select', None, [R(3, 4), 0, T(torch.tensor([3]))], 'VALUE', 'index out of range in self')
case('repeat', None, [R(2, 3), [2, 1, 3]], tol=0)
case('repeat', None, [R(3, strided=True), [2]], tol=0)
err('repeat', None, [R(2, 3), [2]], 'VALUE', 'can not be smaller than number of dimensions')
case('pad', None, [R(2, 3), [1, 2], 'constant', 0.5], tol=0)
case('pad', None, [R(2, 3, 4), [0, -1, 1, 0], 'constant', None], tol=0)
err('pad', None, [R(2, 3), [1]], 'VALUE', 'Padding length must be divisible by 2')
case('split', None, [R(5, 3), [2, 3], 0], tol=0)
case('split_with_sizes', None, [R(3, 6), [1, 0, 5], -1], tol=0)
err('split_with_sizes', None, [R(3, 6), [1, 2], 1], 'VALUE', 'split_sizes to sum exactly to 6')
left = torch.tensor([[True, True, False], [True, False, False]])
case('_nested_tensor_from_mask_left_aligned', None, [R(2, 3, 4), T(left)])
case('_nested_tensor_from_mask_left_aligned', None, [R(2, 3, 4), T(torch.tensor([[True, False, True], [True, True, True]]))])
case('is_grad_enabled', None, [])

# ---- rnn_tanh / rnn_relu (Elman RNN layers) ----
for mode in ('rnn_tanh', 'rnn_relu'):
    for L, D, bf, bias in [(1, 1, False, True), (2, 2, True, True), (2, 1, False, False)]:
        x = R(B_, T_, I_) if bf else R(T_, B_, I_)
        case(mode, 'input', [x, R(L * D, B_, H_), rnn_params(mode, I_, H_, L, D, bias), bias, L, 0.0, False, D == 2, bf])
case('rnn_relu', 'input', [R(T_, B_, I_, strided=True), R(1, B_, H_), rnn_params('rnn_relu', I_, H_, 1, 1), True, 1,
                           0.3, False, False, False])
err('rnn_tanh', 'input', [R(T_, B_, I_), R(1, B_, H_), rnn_params('rnn_tanh', I_, H_, 1, 1), True, 1, 0.0, False,
                          True, False], 'VALUE', 'expected 8 parameter tensors')
err('rnn_relu', 'input', [R(T_, B_, I_ + 1), R(1, B_, H_), rnn_params('rnn_relu', I_, H_, 1, 1), True, 1, 0.0, False,
                          False, False], 'SHAPE', 'input.size(-1) must be equal to input_size. Expected 4, got 5')

# ---- im2col / col2im / bicubic upsampling (tensor_fold.c) ----
case('im2col', None, [R(2, 3, 5, 6), [2, 3], [1, 1], [0, 0], [1, 1]], tol=0)
case('im2col', None, [R(3, 6, 7, strided=True), [3, 2], [2, 1], [1, 2], [2, 3]], tol=0)
case('im2col', None, [R(1, 2, 4, 4, dtype=f64), [2, 2], [1, 1], [1, 1], [2, 2]], tol=0)
err('im2col', None, [R(1, 2, 3, 3), [4, 4], [1, 1], [0, 0], [1, 1]], 'SHAPE', 'but its components must be at least one')
err('im2col', None, [R(2, 3), [1, 1], [1, 1], [0, 0], [1, 1]], 'SHAPE', 'Expected 3D or 4D (batch mode) tensor')
case('col2im', None, [R(2, 12, 12), [4, 5], [2, 2], [1, 1], [0, 0], [1, 1]])
case('col2im', None, [R(18, 6, strided=True), [5, 6], [3, 2], [2, 1], [1, 1], [2, 3]])
case('col2im', None, [R(1, 8, 16, dtype=f64), [3, 3], [2, 2], [1, 1], [1, 1], [1, 1]], tol=1e-12)
err('col2im', None, [R(1, 10, 12), [4, 5], [2, 2], [1, 1], [0, 0], [1, 1]], 'SHAPE', 'divisible by the product of kernel_size')
err('col2im', None, [R(1, 8, 11), [4, 5], [2, 2], [1, 1], [0, 0], [1, 1]], 'SHAPE', 'number of sliding blocks 3 * 4 = 12')
case('upsample_bicubic2d', 'vec', [R(2, 3, 4, 5), [7, 9], False, None])
case('upsample_bicubic2d', 'vec', [R(1, 2, 5, 4), [3, 8], True, None])
case('upsample_bicubic2d', 'vec', [R(1, 2, 4, 6, strided=True), None, False, [2.0, 3.0]])  # the .inc holds int lists only: fractional scales are in test_fold_rnn_ops.py
case('upsample_bicubic2d', 'vec', [R(1, 1, 3, 3, dtype=f64), None, True, [2.0, 3.0]], tol=1e-12)
case('upsample_bicubic2d', None, [R(1, 2, 4, 4), [6, 10], False, 1.7, None])
case('upsample_bicubic2d', None, [R(1, 2, 6, 5), [1, 2], True])
err('upsample_bicubic2d', 'vec', [R(1, 2, 4, 4), [6, 10], False, [2.0, 2.0]], 'VALUE', 'Must specify exactly one of output_size and scale_factors')
err('upsample_bicubic2d', 'vec', [R(2, 4, 4), [6, 10], False, None], 'SHAPE', 'Expected input to be a 4D tensor')

# ---- linalg_qr and nn.init.orthogonal_'s helpers (tensor_qr.c) ----
case('linalg_qr', None, [R(5, 3), 'reduced'])
case('linalg_qr', None, [R(5, 3, strided=True), 'complete'])
case('linalg_qr', None, [R(3, 6), 'reduced'])
case('linalg_qr', None, [R(4, 4), 'r'])
case('linalg_qr', None, [R(2, 4, 3), 'reduced'])
case('linalg_qr', None, [R(6, 4, dtype=f64), 'complete'], tol=1e-12)
err('linalg_qr', None, [R(4), 'reduced'], 'SHAPE', 'must have at least 2 dimensions')
err('linalg_qr', None, [R(3, 3), 'full'], 'VALUE', "qr received unrecognized mode 'full'")
case('diag', None, [R(4, 3), 0], tol=0)
case('diag', None, [R(3, 5, strided=True), 2], tol=0)
case('diag', None, [R(4, 3), -1], tol=0)
case('diag', None, [R(3), 1], tol=0)
err('diag', None, [R(2, 2, 2), 0], 'SHAPE', 'Supports 1D or 2D tensors')
case('t_', None, [R(3, 4)], tol=0)

# ---- emit C ----
out = []


def fval(v):
    if math.isnan(v):
        return 'NAN'
    if math.isinf(v):
        return 'INFINITY' if v > 0 else '-INFINITY'
    m, e = float.hex(v).split('p')
    return m.rstrip('0').rstrip('.') + 'p' + e


counter = [0]


def emit_tensor(t, strided=False):
    """C initializer of a TSpec (dtype -1: None); value arrays are emitted before it."""
    if t is None:
        return '{-1, 0, {0}, 0, NULL, NULL, 0x0p+0, NULL}'
    counter[0] += 1
    n = counter[0]
    flat = t.detach().reshape(-1)
    fv = iv = 'NULL'
    if flat.numel():
        if t.dtype.is_floating_point:
            out.append('static const double sc_f%d[] = {%s};' % (n, ', '.join(fval(v) for v in flat.double().tolist())))
            fv = 'sc_f%d' % n
        else:
            out.append('static const int64_t sc_i%d[] = {%s};' % (n, ', '.join('%dLL' % v for v in flat.long().tolist())))
            iv = 'sc_i%d' % n
    shape = ', '.join(str(s) for s in t.shape) or '0'
    return '{%d, %d, {%s}, %d, %s, %s, 0x0p+0, NULL}' % (DT[t.dtype], t.dim(), shape, int(strided), fv, iv)


def emit_arg(a):
    if isinstance(a, TArg):
        return "{.kind = 't', .t = %s}" % emit_tensor(a.t, a.strided)
    if isinstance(a, TList):
        items = [emit_tensor(x.t, x.strided) for x in a.items]
        counter[0] += 1
        name = 'sc_tl%d' % counter[0]
        out.append('static const TSpec %s[] = {%s};' % (name, ', '.join(items) if items else '{0}'))
        return "{.kind = 'T', .n = %d, .tensors = %s}" % (len(items), name)
    if isinstance(a, str):
        return "{.kind = 's', .s = \"%s\"}" % a
    if a is None:
        return "{.kind = 'n'}"
    if isinstance(a, bool):
        return "{.kind = 'b', .i = %d}" % int(a)
    if isinstance(a, int):
        return "{.kind = 'i', .i = %dLL}" % a
    if isinstance(a, float):
        return "{.kind = 'f', .f = %s}" % fval(a)
    if isinstance(a, list):
        counter[0] += 1
        name = 'sc_l%d' % counter[0]
        out.append('static const int64_t %s[] = {%s};' % (name, ', '.join('%dLL' % v for v in a) if a else '0'))
        return "{.kind = 'l', .n = %d, .list = %s}" % (len(a), name)
    raise TypeError(a)


rows = []
for c in cases:
    args = [emit_arg(a) for a in c['args']]
    counter[0] += 1
    an = 'sc_a%d' % counter[0]
    out.append('static const ArgSpec %s[] = {%s};' % (an, ', '.join(args) if args else "{.kind = 'n'}"))
    ov = '"%s"' % c['overload'] if c['overload'] else '""'
    name = '"aten::%s"' % c['name']
    if 'status' in c:
        rows.append('    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = \'e\', .status = TS_ERR_%s, .msg = "%s"},' % (
            name, ov, len(args), an, c['status'], c['msg'].replace('"', '\\"')))
        continue
    res = c['res']
    if isinstance(res, bool):
        rows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = 'b', .bval = %d}," % (
            name, ov, len(args), an, int(res)))
        continue
    kind = 'L' if isinstance(res, list) else 'M' if isinstance(res, tuple) else 't'
    outs = [emit_tensor(t) for t in (res if kind != 't' else [res])]
    counter[0] += 1
    on = 'sc_o%d' % counter[0]
    out.append('static const TSpec %s[] = {%s};' % (on, ', '.join(outs)))
    rows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = '%s', .nout = %d, .outs = %s, .tol = %s}," % (
        name, ov, len(args), an, kind, len(outs), on, float.hex(float(c['tol']))))

print('/* Generated by tests/unit/gen/gen_seq_cases.py from PyTorch %s: do not edit. */' % torch.__version__)
print('\n'.join(out))
print('static const SeqCase seq_cases[] = {')
print('\n'.join(rows))
print('};')
