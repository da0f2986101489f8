#!/usr/bin/python3
"""Generate the cases of test_torch2_ops.c: the ops that archives written by
PyTorch 2.x call (triu / tril, all / any, unflatten, the reflect / replicate /
circular pads, scaled_dot_product_attention, rms_norm) and the bitwise ops of
mask code, with results computed by real PyTorch.

    /usr/bin/python3 tests/unit/gen/gen_torch2_cases.py > tests/unit/test_torch2_ops_cases.inc
    VENV/bin/python tests/unit/gen/gen_torch2_cases.py --new > tests/unit/test_torch2_ops_new_cases.inc

The first table comes from Debian's PyTorch 1.13 (what CI has) and covers
the ops 1.13 has; its results are exact (copies, masks, booleans). The
second (--new) needs PyTorch 2.5 or later (a venv, e.g. torch 2.15: see
docs/contributing.md) and covers what 1.13 lacks: all.dims / any.dims,
unbatched circular pads, scaled_dot_product_attention and rms_norm. Float
results there are compared within a tolerance derived from the arithmetic
(float epsilon times the length of each sum times the size of its terms),
never bit for bit: PyTorch's CPU attention kernel blocks its sums.

Like gen_seq_cases.py: each case calls torch.ops.aten.<name>.<overload>
(under torch.no_grad()) and records its result; error cases give the tscript
status and a piece of our message, and PyTorch must fail on them too."""
import math
import sys

import torch

NEW = "--new" in sys.argv[1:]
if NEW and tuple(int(x) for x in torch.__version__.split(".")[:2]) < (2, 5):
    raise SystemExit("--new needs PyTorch 2.5 or later, this is %s" % torch.__version__)

torch.manual_seed(23)
f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
i64, i32, u8, b1 = torch.int64, torch.int32, torch.uint8, torch.bool
DT = {u8: 0, torch.int8: 1, torch.int16: 2, i32: 3, i64: 4, f16: 5, f32: 6, f64: 7, b1: 11, bf16: 15}
EPS = {f32: torch.finfo(f32).eps, f64: torch.finfo(f64).eps, f16: torch.finfo(f16).eps, bf16: torch.finfo(bf16).eps}
cases = []


class TArg:
    def __init__(self, t, strided=False):
        self.t, self.strided = t, strided

    def value(self):
        t = self.t.clone()
        if self.strided and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t


def T(t, strided=False):
    return TArg(t, strided)


def R(*shape, dtype=f32, scale=1.0, strided=False):
    t = torch.randn(*shape) * scale
    if not dtype.is_floating_point and dtype != b1:
        t = (t * 10).floor()
    return TArg(t.to(dtype), strided)


def pyval(a):
    return a.value() if isinstance(a, TArg) else a


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


def case(name, overload, args, tol=0.0):
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


def old_cases():
    # ---- triu / tril ----
    for name in ('triu', 'tril'):
        case(name, None, [R(4, 5)])
        case(name, None, [R(4, 5), 2])
        case(name, None, [R(5, 3), -2])
        case(name, None, [R(2, 3, 4, strided=True), 1])
        case(name, None, [R(3, 3), 100])
        case(name, None, [R(3, 3), -100])
        case(name, None, [R(3, 3), 2 ** 62])
        case(name, None, [T(torch.ones(3, 4, dtype=b1)), 0])
        case(name, None, [R(3, 4, dtype=i64), -1])
        case(name, None, [R(0, 4)])
        err(name, None, [R(4)], 'SHAPE', 'input tensor must have at least 2 dimensions')

    # ---- all / any ----
    x = torch.tensor([[1.0, 0.0, float('nan')], [2.0, -1.0, 0.5]])
    for name in ('all', 'any'):
        case(name, None, [T(x)])
        case(name, None, [T(torch.ones(2, 3))])
        case(name, None, [T(torch.zeros(2, 3))])
        case(name, None, [T(torch.zeros(0, 3))])
        case(name, None, [T(torch.tensor([3, 0, 7], dtype=u8))])
        case(name, None, [T(torch.tensor([3, 1], dtype=i32))])
        case(name, None, [T(torch.tensor([True, False]))])
        case(name, None, [T(torch.tensor(2.0))])
        case(name, 'dim', [T(x), 0])
        case(name, 'dim', [T(x), -1, True])
        case(name, 'dim', [T(x.t().contiguous(), strided=True), 1])
        case(name, 'dim', [T(torch.tensor([[0, 5], [0, 0]], dtype=u8)), 1])
        case(name, 'dim', [T(torch.zeros(2, 0)), 1])
        case(name, 'dim', [T(torch.tensor(0.0)), 0, True])
        err(name, 'dim', [T(x), 2], 'VALUE', 'dimension out of range')

    # ---- bitwise and logical ops (the &, |, ^, ~ of mask code) ----
    ba, bb = T(torch.tensor([[True, False, True]])), T(torch.tensor([[True], [False]]))
    ia, ib = R(2, 3, dtype=i64, scale=20), R(3, dtype=i32, scale=20)
    for name in ('__and__', '__or__', '__xor__', 'bitwise_and', 'bitwise_or', 'bitwise_xor'):
        case(name, 'Tensor', [ba, bb])
        case(name, 'Tensor', [ia, ib])
        case(name, 'Tensor', [T(torch.tensor([5, -3], dtype=u8)), T(torch.tensor([True, False]))])
        case(name, 'Scalar', [ia, 6])
        case(name, 'Scalar', [ba, 1])
        err(name, 'Tensor', [R(2, 3), R(2, 3)], 'TYPE', 'not implemented for \'Float\'')
    case('__iand__', 'Tensor', [T(torch.tensor([True, True, False])), T(torch.tensor([True, False, True]))])
    case('__ior__', 'Scalar', [R(2, 3, dtype=i64, scale=20), 12])
    err('__ior__', 'Tensor', [T(torch.tensor([True])), T(torch.tensor([True, False]))], 'SHAPE', "doesn't match the broadcast shape")
    case('bitwise_not', None, [ba])
    case('bitwise_not', None, [ia])
    case('bitwise_not', None, [T(torch.tensor([0, 7, 255], dtype=u8))])
    err('bitwise_not', None, [R(2)], 'TYPE', 'not implemented for \'Float\'')
    for name in ('logical_and', 'logical_xor'):
        case(name, None, [T(torch.tensor([0.0, -1.0, float('nan'), 2.0])), T(torch.tensor([1, 0, 3, 0]))])
        case(name, None, [ba, bb])

    # ---- unflatten ----
    case('unflatten', 'int', [R(2, 6), 1, [2, 3]])
    case('unflatten', 'int', [R(2, 6), -1, [-1, 2]])
    case('unflatten', 'int', [R(6, 4, strided=True), 0, [3, 1, 2]])
    case('unflatten', 'int', [R(2, 0), 1, [3, 0]])
    err('unflatten', 'int', [R(2, 6), 1, [2, 2]], 'SHAPE', "Provided sizes [2, 2] don't multiply up to the size of dim 1 (6)")
    err('unflatten', 'int', [R(2, 6), 1, []], 'VALUE', 'sizes must be non-empty')
    err('unflatten', 'int', [R(2, 6), 2, [1]], 'VALUE', 'dimension out of range')
    err('unflatten', 'int', [R(2, 6), 1, [-2, -3]], 'VALUE', 'invalid shape dimension -2')

    # ---- pads through aten::pad (what F.pad scripts and traces to) ----
    for mode in ('reflect', 'replicate', 'circular'):
        case('pad', None, [R(2, 3, 6), [2, 1], mode])
        case('pad', None, [R(2, 3, 5, 6, strided=True), [1, 2, 2, 0], mode])
        case('pad', None, [R(1, 2, 3, 4, 5), [1, 0, 2, 1, 1, 2], mode])
        case('pad', None, [R(2, 3, 6), [-1, 2], mode])
        case('pad', None, [R(1, 2, 4, 5), [-1, 2, 1, -1], mode])
        case('pad', None, [R(0, 2, 3), [1, 1], mode])
        if mode != 'circular':  # unbatched circular pads came with 2.x (new_cases)
            case('pad', None, [R(2, 3, 4), [2, 1, 1, 2], mode])  # 2-d pad of an unbatched (C, H, W) input
        case('pad', None, [R(2, 3, 6, dtype=f64), [0, 0], mode])
        err('pad', None, [R(2, 3, 6), [1, 1], mode, 0.5], 'VALUE', "doesn't take in value argument")
        err('pad', None, [R(6), [1, 1], mode], 'UNSUPPORTED', 'Padding size 2 is not supported for 1D input tensor')
        err('pad', None, [R(1, 2, 3, 4), [1, 1], mode], 'UNSUPPORTED', 'Padding size 2 is not supported for 4D input tensor')
    case('pad', None, [R(2, 3), [2, 1], 'replicate'])
    case('pad', None, [R(2, 3), [2, 1], 'reflect'])
    case('pad', None, [R(1, 2, 5), [-6, 4], 'reflect'])
    case('pad', None, [R(1, 2, 5), [-6, 4], 'replicate'])
    case('pad', None, [R(1, 2, 3), [-3, 0], 'circular'])
    case('pad', None, [R(1, 2, 3), [3, 3], 'circular'])
    case('pad', None, [R(1, 2, 3, dtype=f16), [2, 1], 'circular'])
    case('pad', None, [T(torch.tensor([[[True, False, True]]])), [2, 1], 'circular'])
    case('pad', None, [R(1, 2, 3), [1, 1], 'constant', 2.5])
    err('pad', None, [R(1, 2, 3), [3, 0], 'reflect'], 'VALUE', 'Padding size should be less than the corresponding input dimension')
    err('pad', None, [R(1, 2, 5), [-3, -2], 'reflect'], 'VALUE', 'input (W: 5) is too small. Calculated output W: 0')
    err('pad', None, [R(1, 2, 5), [-3, -2], 'replicate'], 'VALUE', 'input (W: 5) is too small. Calculated output W: 0')
    err('pad', None, [R(1, 2, 3), [4, 0], 'circular'], 'VALUE', 'Padding value causes wrapping around more than once')
    err('pad', None, [R(1, 0, 3), [1, 1], 'replicate'], 'SHAPE', 'other non-zero dimensions for input, but got: [1, 0, 3]')
    err('pad', None, [R(1, 2, 3), [1, 1], 'wrap'], 'UNSUPPORTED', 'Unrecognised padding mode wrap')
    err('pad', None, [T(torch.ones(1, 2, 3, dtype=b1)), [1, 1], 'reflect'], 'TYPE', 'not implemented for \'Bool\'')

    # ---- the ATen pads F.pad dispatches to (and older archives call) ----
    case('reflection_pad1d', None, [R(3, 6), [2, 3]])
    case('reflection_pad2d', None, [R(1, 2, 4, 5), [1, 2, 3, 0]])
    case('reflection_pad3d', None, [R(2, 3, 4, 5), [1, 1, 2, 0, 0, 1]])
    case('replication_pad1d', None, [R(2, 3, 6, strided=True), [4, 1]])
    case('replication_pad2d', None, [R(2, 4, 5), [3, 0, 1, 2]])
    case('replication_pad3d', None, [R(1, 1, 2, 3, 4), [2, 1, 0, 3, 1, 1]])
    err('replication_pad1d', None, [R(1, 2, 3, 4), [1, 1]], 'SHAPE', '2D or 3D (batch mode) tensor')
    case('_pad_enum', None, [R(1, 2, 5), [2, 1], 0])
    case('_pad_enum', None, [R(1, 2, 5), [2, 1], 1])
    case('_pad_enum', None, [R(1, 2, 5), [2, 1], 2])
    case('_pad_enum', None, [R(1, 2, 5), [2, 1], 3, 1.5])


def attn_tol(q, k, v, scale, dt):
    """A bound on |tscript - PyTorch| for softmax(scale q k^T) v: each score
    sums E products (E eps |scale q k| each way), a score error d changes the
    softmax weights by a relative 2 d, the normalisation adds S eps, and the
    weights (summing to 1) average values no larger than max |v|. Doubled,
    since both sides round; rounding to float16 / bfloat16 adds an ulp."""
    ct = f64 if dt == f64 else f32
    eps = EPS[ct]
    E, S = q.shape[-1], k.shape[-2]
    amax = lambda t: t.abs().max().item() if t.numel() else 0.0
    d_score = E * eps * abs(scale) * amax(q) * amax(k)
    vmax = amax(v)
    tol = 2 * vmax * (2 * d_score + 2 * (S + 1) * eps)
    if dt in (f16, bf16):
        tol += EPS[dt] * max(1.0, vmax)
    return tol


def sdpa(q, k, v, mask=None, causal=False, scale=None, gqa=False, dt=f32):
    qq, kk, vv = (a.to(dt) for a in (q, k, v))
    s = scale if scale is not None else 1 / math.sqrt(q.shape[-1])
    args = [T(qq), T(kk), T(vv), T(mask) if mask is not None else None, 0.0, causal, scale, gqa]
    case('scaled_dot_product_attention', None, args, tol=attn_tol(qq.double(), kk.double(), vv.double(), s, dt))


def rms_tol(x, w, dt):
    """mean(x^2) sums n squares (relative n eps), rsqrt and the two products
    add a few eps; the result is rounded to the input dtype (an ulp). The
    table's tolerance is relative to max(1, |want|)."""
    ct = f64 if dt == f64 else f32
    n = 1
    for s in x.shape[-(w.dim() if w is not None else 1):]:
        n *= s
    tol = 2 * (n + 4) * EPS[ct]
    if dt in (f16, bf16):
        tol += EPS[dt]
    return tol


def new_cases():
    # ---- all.dims / any.dims (2.x) ----
    x = torch.tensor([[1.0, 0.0, float('nan')], [2.0, -1.0, 0.5]])
    for name in ('all', 'any'):
        case(name, 'dims', [T(x)])
        case(name, 'dims', [T(x), None, True])
        case(name, 'dims', [T(x), [0, 1]])
        case(name, 'dims', [T(x), [-1], True])
        case(name, 'dims', [T(x), []])
        case(name, 'dims', [T(torch.tensor(3.0)), []])
        err(name, 'dims', [T(x), [0, 0]], 'VALUE', 'appears multiple times')
    # ---- unbatched circular pads (2.x only) ----
    case('pad', None, [R(3, 6), [2, 1], 'circular'])
    case('pad', None, [R(2, 3, 4), [2, 1, 1, 2], 'circular'])
    case('_pad_circular', None, [R(2, 4, 5), [1, 2, 0, 3]])
    case('_pad_circular', None, [R(4, 5), [2, 2]])

    # ---- scaled_dot_product_attention ----
    q, k, v = torch.randn(2, 2, 4, 8), torch.randn(2, 2, 6, 8), torch.randn(2, 2, 6, 4)
    sdpa(q, k, v)
    sdpa(q, k, v, scale=0.3)
    sdpa(q[0], k[0], v[0])                                   # 3-d
    sdpa(q[0, 0], k[0, 0], v[0, 0])                          # 2-d
    sdpa(q, k[:1], v[:1])                                    # batch broadcast
    sdpa(q[:, :1], k, v)                                     # heads broadcast
    sdpa(q, k, v, mask=torch.rand(4, 6) > 0.3)
    sdpa(q, k, v, mask=torch.randn(2, 1, 4, 6))
    sdpa(q, k, v, mask=torch.randn(2, 1, 6))                 # broadcast over queries
    m = torch.ones(4, 6, dtype=torch.bool)
    m[1] = False                                             # a query with every key hidden: zeros
    sdpa(q, k, v, mask=m)
    mf = torch.zeros(4, 6)
    mf[3] = float('-inf')
    sdpa(q, k, v, mask=mf)
    sdpa(q, k, v, causal=True)                               # L < S: top-left triangle
    sdpa(k, q, q, causal=True)                               # L > S
    sdpa(q, q, q, causal=True, scale=0.125)
    sdpa(torch.randn(2, 4, 3, 8), k[:, :1], v, gqa=True)
    sdpa(torch.randn(6, 3, 8), torch.randn(2, 5, 8), torch.randn(3, 5, 4), gqa=True)  # value heads differ from key heads
    sdpa(q, k, v, dt=f64, mask=torch.randn(4, 6, dtype=f64))
    sdpa(q, k, v, dt=f16)
    sdpa(q, k, v, dt=bf16, mask=torch.rand(4, 6) > 0.5)
    sdpa(q * 4, k * 4, v * 3)                                # peaked softmax
    sdpa(q, k[..., :0, :], v[..., :0, :])                    # no keys: zeros
    sdpa(q[..., :0, :], k, v)                                # no queries
    sdpa(torch.randn(1, 1, 9, 32), torch.randn(1, 1, 20, 32), torch.randn(1, 1, 20, 3))
    name = 'scaled_dot_product_attention'
    err(name, None, [T(q), T(k), T(v), T(m), 0.0, True], 'VALUE', 'Explicit attn_mask should not be set when is_causal=True')
    err(name, None, [T(q[0, 0, 0]), T(k[0, 0, 0]), T(v[0, 0, 0])], 'SHAPE', 'at least 2 dimensional')
    err(name, None, [T(q.double()), T(k), T(v)], 'TYPE', 'to have the same dtype')
    err(name, None, [T(q), T(k), T(v), T(torch.zeros(4, 6, dtype=i64))], 'TYPE', 'Expected attn_mask dtype to be bool or float')
    err(name, None, [T(q), T(k[..., :7]), T(v)], 'SHAPE', 'do not fit')
    err(name, None, [T(q), T(k), T(v[..., :5, :])], 'SHAPE', 'do not fit')
    err(name, None, [T(torch.randn(2, 3, 4, 8)), T(k), T(v), None, 0.0, False, None, True], 'SHAPE',
        'must divide the number of heads in query')
    err(name, None, [T(torch.randn(2, 4, 4, 8)), T(k), T(v)], 'SHAPE', 'must match the size')
    err(name, None, [T(q), T(k), T(v), T(torch.ones(1, 2, 2, 4, 6, dtype=b1))], 'SHAPE', 'does not broadcast')

    # ---- rms_norm ----
    for dt in (f32, f64, f16, bf16):
        x = torch.randn(2, 3, 16) * 3
        w = torch.randn(16)
        xd, wd = x.to(dt), w.to(dt)
        case('rms_norm', None, [T(xd), [16], T(wd)], tol=rms_tol(x, w, dt))
        case('rms_norm', None, [T(xd), [16]], tol=rms_tol(x, None, dt))
    x = torch.randn(2, 3, 5)
    w = torch.randn(3, 5)
    case('rms_norm', None, [T(x, strided=True), [3, 5], T(w), 1e-3], tol=rms_tol(x, w, f32))
    case('rms_norm', None, [T(x), [5], T(torch.randn(5, dtype=f64)), 0.5], tol=rms_tol(x, None, f32))
    case('rms_norm', None, [T(torch.zeros(2, 4)), [4]], tol=rms_tol(torch.zeros(2, 4), None, f32))
    case('rms_norm', None, [T(torch.full((2, 4), 1e-30)), [4], None, 0.0], tol=rms_tol(torch.zeros(2, 4), None, f32))
    err('rms_norm', None, [T(x), [3, 4]], 'SHAPE', 'Given normalized_shape=[3, 4], expected input with shape [*3, 4]')
    err('rms_norm', None, [T(x), [5], T(torch.ones(4))], 'SHAPE', 'Expected weight to be of same shape as normalized_shape')
    err('rms_norm', None, [T(x), []], 'VALUE', 'Expected normalized_shape to be at least 1-dimensional')
    err('rms_norm', None, [T(torch.ones(2, 3, dtype=i64)), [3]], 'TYPE', 'not implemented for \'Long\'')


if NEW:
    new_cases()
else:
    old_cases()

# ---- emit C ----
PFX = 'tn' if NEW else 'tc'
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
    """C initializer of a TSpec; value arrays are emitted before it."""
    counter[0] += 1
    n = counter[0]
    flat = t.detach().reshape(-1)
    fv = iv = 'NULL'
    if flat.numel():
        if t.dtype.is_floating_point:
            out.append('static const double %s_f%d[] = {%s};' % (PFX, n, ', '.join(fval(v) for v in flat.double().tolist())))
            fv = '%s_f%d' % (PFX, n)
        else:
            out.append('static const int64_t %s_i%d[] = {%s};' % (PFX, n, ', '.join('%dLL' % v for v in flat.long().tolist())))
            iv = '%s_i%d' % (PFX, n)
    shape = ', '.join(str(s) for s in t.shape) or '0'
    return '{%d, %d, {%s}, %d, %s, %s, 0x0p+0, NULL}' % (DT[t.dtype], t.dim(), shape, int(strided), fv, iv)


def emit_arg(a):
    if isinstance(a, TArg):
        return "{.kind = 't', .t = %s}" % emit_tensor(a.t, a.strided)
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
        name = '%s_l%d' % (PFX, counter[0])
        out.append('static const int64_t %s[] = {%s};' % (name, ', '.join('%dLL' % v for v in a) if a else '0'))
        return "{.kind = 'l', .n = %d, .list = %s}" % (len(a), name)
    raise TypeError(a)


rows = []
for c in cases:
    args = [emit_arg(a) for a in c['args']]
    counter[0] += 1
    an = '%s_a%d' % (PFX, counter[0])
    out.append('static const ArgSpec %s[] = {%s};' % (an, ', '.join(args) if args else "{.kind = 'n'}"))
    ov = '"%s"' % c['overload'] if c['overload'] else '""'
    name = '"aten::%s"' % c['name']
    if 'status' in c:
        rows.append('    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = \'e\', .status = TS_ERR_%s, .msg = "%s"},' % (
            name, ov, len(args), an, c['status'], c['msg'].replace('"', '\\"')))
        continue
    res = c['res']
    counter[0] += 1
    on = '%s_o%d' % (PFX, counter[0])
    out.append('static const TSpec %s[] = {%s};' % (on, emit_tensor(res)))
    rows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = 't', .nout = 1, .outs = %s, .tol = %s}," % (
        name, ov, len(args), an, on, float.hex(float(c['tol']))))

print('/* Generated by tests/unit/gen/gen_torch2_cases.py%s from PyTorch %s: do not edit. */' % (
    ' --new' if NEW else '', torch.__version__))
print('\n'.join(out))
print('static const OpCase %s_cases[] = {' % PFX)
print('\n'.join(rows))
print('};')
