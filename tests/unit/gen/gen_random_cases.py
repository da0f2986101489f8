#!/usr/bin/python3
"""Generate tests/unit/test_random_cases.inc: what PyTorch's CPU generator
draws, for test_random.c.

    /usr/bin/python3 tests/unit/gen/gen_random_cases.py > tests/unit/test_random_cases.inc

Two tables:
- raw mt19937 words for several seeds: Tensor.random_(-2**63, None) on int64
  is PyTorch's full-range kernel, one random64() per element, i.e. the
  twister's outputs two by two (high word first), uncut;
- sequences: torch.manual_seed(seed), then a list of op calls (OpCase rows
  of op_cases.h, run one after the other on one context, so the generator
  state, the cached normal sample included, carries from call to call).
  In-place ops get a fresh tensor (a transposed view where marked strided).

Tolerances. Integer results and uniform samples are exact: each is a few
integer operations and at most one multiply and one add, correctly rounded,
that tscript does in the same order. Normal samples come from Box-Muller,
sqrt(-2 log u1) * cos(2 pi u2) * std + mean, and PyTorch (AVX2 build) uses
its own SIMD log/sin/cos, tscript the C library's: each differs from the
exact value by a few ulp, so |got - want| <= 4 eps (r_max |std| + |mean|)
where r_max bounds the radius (u1 >= 2^-24 for float32 uniforms: 5.77; the
scalar path's float64 uniforms: u1 >= 2^-53: 8.57) and eps is the result
dtype's; op_cases.h checks tol * max(1, |want|), which this tol bounds from
above for |want| >= 1 too. A wrong draw is off by O(std), a million times
more. Error rows check the message and that a failing op draws nothing
(the step after it still matches)."""
import math
import torch

f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
i64, i32, i16, i8, u8, b1 = torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool
DT = {u8: 0, i8: 1, i16: 2, i32: 3, i64: 4, f16: 5, f32: 6, f64: 7, b1: 11, bf16: 15}
EPS = {f32: 2.0**-23, f64: 2.0**-52, f16: 2.0**-10, bf16: 2.0**-7}
out = []
counter = [0]


def fval(v):
    if math.isnan(v):
        return 'NAN'
    if math.isinf(v):
        return 'INFINITY' if v > 0 else '-INFINITY'
    m, e = float.hex(v).split('p')
    return m.rstrip('0').rstrip('.') + 'p' + e


class TArg:
    """An input tensor: its values (zeros for tensors an op overwrites) and
    whether the op gets it as a transposed view."""
    def __init__(self, t, strided=False):
        self.t, self.strided = t, strided

    def value(self):
        t = self.t.clone()
        if self.strided and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t


def E(*shape, dtype=f32, strided=False):
    return TArg(torch.zeros(*shape, dtype=dtype), strided)


def T(t, strided=False):
    return TArg(t, strided)


class Dtype:
    def __init__(self, d):
        self.d = d


def pyval(a):
    if isinstance(a, TArg):
        return a.value()
    if isinstance(a, Dtype):
        return a.d
    return a


def call(name, overload, args):
    op = getattr(getattr(torch.ops.aten, name), overload or 'default')
    pos, kw = [], {}
    for spec, a in zip(op._schema.arguments, args):
        if spec.kwarg_only:
            kw[spec.name] = pyval(a)
        else:
            pos.append(pyval(a))
    return op(*pos, **kw)


def emit_tensor(t, strided=False):
    counter[0] += 1
    n = counter[0]
    flat = t.detach().reshape(-1)
    fv = iv = 'NULL'
    if flat.numel():
        if t.dtype.is_floating_point:
            out.append('static const double rc_f%d[] = {%s};' % (n, ', '.join(fval(v) for v in flat.double().tolist())))
            fv = 'rc_f%d' % n
        else:
            vals = ['INT64_MIN' if v == -2**63 else '%dLL' % v for v in flat.long().tolist()]
            out.append('static const int64_t rc_i%d[] = {%s};' % (n, ', '.join(vals)))
            iv = 'rc_i%d' % n
    shape = ', '.join(str(s) for s in t.shape) or '0'
    return '{%d, %d, {%s}, %d, %s, %s, 0x0p+0, NULL}' % (DT[t.dtype], t.dim(), shape, int(strided), fv, iv)


def emit_arg(a):
    if isinstance(a, TArg):
        return "{.kind = 't', .t = %s}" % emit_tensor(a.t, a.strided)
    if isinstance(a, Dtype):
        return "{.kind = 'i', .i = %d}" % DT[a.d]
    if a is None:
        return "{.kind = 'n'}"
    if isinstance(a, bool):
        return "{.kind = 'b', .i = %d}" % int(a)
    if isinstance(a, int):
        return "{.kind = 'i', .i = %s}" % ('INT64_MIN' if a == -2**63 else '%dLL' % a)
    if isinstance(a, float):
        return "{.kind = 'f', .f = %s}" % fval(a)
    if isinstance(a, list):
        counter[0] += 1
        name = 'rc_l%d' % counter[0]
        out.append('static const int64_t %s[] = {%s};' % (name, ', '.join('%dLL' % v for v in a) if a else '0'))
        return "{.kind = 'l', .n = %d, .list = %s}" % (len(a), name)
    raise TypeError(a)


# ---- raw twister words ----

RAW_SEEDS = [0, 1, 42, 2**32 + 5]
RAW_N = 700  # 1400 words: past the first twist (624) and into the third block
raw_rows = []
for s in RAW_SEEDS:
    torch.manual_seed(s)
    w = torch.empty(RAW_N, dtype=i64).random_(-2**63, None)
    words = []
    for v in w.tolist():
        u = v % 2**64
        words += [u >> 32, u & 0xffffffff]
    counter[0] += 1
    out.append('static const uint32_t rc_raw%d[] = {%s};' % (counter[0], ', '.join('0x%08xu' % x for x in words)))
    raw_rows.append('    {%dULL, %d, rc_raw%d},' % (s, len(words), counter[0]))
# A generator that was never seeded: PyTorch's default seed.
g = torch.Generator()
default_seed = g.initial_seed()
default_rand = torch.rand(40, generator=g)


# ---- sequences ----

def normal_tol(dtype, std=1.0, mean=0.0, scalar=False):
    r_max = 8.57 if scalar else 5.77
    return 4 * EPS[dtype] * (r_max * abs(std) + abs(mean))


def step(name, overload, args, tol=0.0):
    return dict(name=name, overload=overload, args=args, tol=tol)


def err(name, overload, args, status, msg):
    return dict(name=name, overload=overload, args=args, status=status, msg=msg)


N = normal_tol
sequences = []


def seq(label, seed, steps):
    sequences.append((label, seed, steps))


# uniform_: each dtype's transform, contiguous and transposed (memory order)
seq('uniform_', 0, [
    step('uniform_', '', [E(10), -0.3, 0.7]),
    step('uniform_', '', [E(1000), -0.5, 0.5]),
    step('uniform_', '', [E(37, dtype=f64), -2.0, 3.0]),
    step('uniform_', '', [E(5, 7, strided=True), 0.0, 1.0]),
    step('uniform_', '', [E(3, 4, 5, dtype=f64, strided=True), -1.0, 1.0]),
    step('uniform_', '', [E(30, dtype=f16), -0.25, 0.75]),
    step('uniform_', '', [E(30, dtype=bf16), -4.0, 4.0]),
    step('uniform_', '', [E(0), 0.0, 1.0]),
    step('uniform', '', [E(6, 3), -1.0, 2.0]),
])
for s in (1, 42, 2**32 + 5):
    seq('rand seed %d' % s, s, [
        step('rand', '', [[3, 4]]),
        step('rand', '', [[17], Dtype(f64)]),
        step('rand_like', '', [E(4, 6, strided=True)]),
        step('rand', '', [[2, 3], Dtype(f16)]),
    ])
# normal_: the scalar path (numel < 16, or not contiguous) and normal_fill
seq('normal_ paths', 3, [
    step('normal_', '', [E(7)], N(f32, scalar=True)),
    step('normal_', '', [E(16)], N(f32)),
    step('normal_', '', [E(17)], N(f32)),
    step('normal_', '', [E(100), 2.0, 0.5], N(f32, 0.5, 2.0)),
    step('normal_', '', [E(15, dtype=f64)], N(f64, scalar=True)),
    step('normal_', '', [E(33, dtype=f64), -1.0, 3.0], N(f64, 3.0, -1.0)),
    step('normal_', '', [E(4, 5, strided=True)], N(f32, scalar=True)),
    step('normal_', '', [E(1)], N(f32, scalar=True)),
    step('normal_', '', [E(20, dtype=f16)], N(f16)),
    step('normal_', '', [E(20, dtype=bf16)], N(bf16)),
    step('normal_', '', [E(5, dtype=f16)], N(f16, scalar=True)),
])
for s in (0, 1, 42):
    seq('randn seed %d' % s, s, [
        step('randn', '', [[2, 3]], N(f32, scalar=True)),
        step('randn', '', [[40]], N(f32)),
        step('randn', '', [[3, 5, 7], Dtype(f64)], N(f64)),
        step('randn_like', '', [E(6, 4, strided=True)], N(f32, scalar=True)),
        step('randn', '', [[]], N(f32, scalar=True)),
    ])
seq('normal overloads', 11, [
    step('normal', 'Tensor_float', [T(torch.arange(6.0).reshape(2, 3)), 0.5], N(f32, 0.5, 5.0, scalar=True)),
    step('normal', 'float_Tensor', [1.5, T(torch.linspace(0.1, 2.0, 20))], N(f32, 2.0, 1.5)),
    step('normal', 'Tensor_Tensor', [T(torch.arange(4.0).reshape(4, 1)), T(torch.tensor([0.5, 1.0, 2.0]))],
         N(f32, 2.0, 3.0, scalar=True)),
    step('normal', 'float_float', [-2.0, 0.25, [5, 5]], N(f32, 0.25, 2.0)),
    step('normal', 'float_float', [0.0, 1.0, [3], None, Dtype(f64)], N(f64, scalar=True)),
])
# the cached normal sample carries across calls; normal_fill neither uses nor clears it
seq('interleaved', 5, [
    step('randn', '', [[3]], N(f32, scalar=True)),
    step('randn', '', [[3]], N(f32, scalar=True)),
    step('rand', '', [[2]]),
    step('randn', '', [[17]], N(f32)),
    step('randn', '', [[1]], N(f32, scalar=True)),
    step('randint', 'low', [0, 100, [5]]),
    step('randn', '', [[1], Dtype(f64)], N(f64, scalar=True)),
    step('randn', '', [[2], Dtype(f64)], N(f64, scalar=True)),
    step('randperm', '', [9]),
    step('bernoulli_', 'float', [E(8), 0.4]),
    step('normal_', '', [E(3)], N(f32, scalar=True)),
    step('manual_seed', '', [77]),
    step('randn', '', [[5]], N(f32, scalar=True)),
    step('uniform_', '', [E(4), -1.0, 1.0]),
])
# randint / random_: 32-bit and 64-bit draws, each dtype's range
seq('randint', 7, [
    step('randint', '', [10, [20]]),
    step('randint', 'low', [-5, 17, [3, 4]]),
    step('randint', 'low', [0, 2**40, [6]]),
    step('randint', 'low', [-2**62, 2**62, [4]]),
    step('randint', 'low', [3, 10, [8], Dtype(f32)]),
    step('randint', '', [200, [7], Dtype(u8)]),
    step('randint', 'low', [-100, 100, [7], Dtype(i8)]),
    step('randint', '', [2, [9], Dtype(b1)]),
    step('randint', '', [50, [5], Dtype(f16)]),
    step('randint_like', '', [E(3, 4, strided=True), 6]),
    step('randint_like', 'low_dtype', [E(5, dtype=i32), -3, 3]),
])
seq('random_', 9, [
    step('random_', '', [E(10, dtype=i64)]),
    step('random_', '', [E(10, dtype=i32)]),
    step('random_', '', [E(10, dtype=i16)]),
    step('random_', '', [E(10, dtype=i8)]),
    step('random_', '', [E(10, dtype=u8)]),
    step('random_', '', [E(10, dtype=b1)]),
    step('random_', '', [E(10)]),
    step('random_', '', [E(10, dtype=f64)]),
    step('random_', '', [E(10, dtype=f16)]),
    step('random_', '', [E(10, dtype=bf16)]),
    step('random_', 'to', [E(10, dtype=i64), 5]),
    step('random_', 'from', [E(10, dtype=i64), 5, None]),
    step('random_', 'from', [E(10, dtype=i64), -2**63, None]),
    step('random_', 'from', [E(6), 5, None]),
    step('random_', 'from', [E(6, dtype=i16), -7, None]),
    step('random_', 'from', [E(6, dtype=f64), -2**63, None]),
    step('random_', 'from', [E(4, 3, dtype=i64, strided=True), 0, 1000]),
])
seq('randperm', 13, [
    step('randperm', '', [0]),
    step('randperm', '', [1]),
    step('randperm', '', [5]),
    step('randperm', '', [1000]),
    step('randperm', '', [12, Dtype(i32)]),
    step('randperm', '', [12, Dtype(f32)]),
])
seq('bernoulli', 17, [
    step('bernoulli_', 'float', [E(20), 0.3]),
    step('bernoulli_', 'float', [E(9, dtype=b1), 0.5]),
    step('bernoulli_', 'float', [E(3, 4, dtype=i64, strided=True), 0.9]),
    step('bernoulli', '', [T(torch.linspace(0, 1, 25).reshape(5, 5))]),
    step('bernoulli', '', [T(torch.linspace(0, 1, 12, dtype=f64))]),
    step('bernoulli', 'p', [E(10, dtype=f64), 0.25]),
    step('bernoulli_', 'Tensor', [E(3, 6), T(torch.tensor([0.1, 0.5, 0.9, 0.2, 0.7, 0.4]))]),
    step('bernoulli', '', [T(torch.linspace(0, 1, 12).reshape(3, 4), strided=True)]),
    step('bernoulli', 'p', [E(3, 4, strided=True), 0.5]),
    step('uniform', '', [E(3, 4, strided=True), 0.0, 1.0]),
])
# failing ops draw nothing: the step after each still matches
seq('errors', 21, [
    err('uniform_', '', [E(3, dtype=i64), 0.0, 1.0], 'TYPE', 'not implemented for \'Long\''),
    err('uniform_', '', [E(3), 1.0, 0.0], 'VALUE', 'expects to return a [from, to) range'),
    err('normal_', '', [E(3), 0.0, -1.0], 'VALUE', 'normal expects std >= 0.0'),
    err('randn', '', [[2], Dtype(i64)], 'TYPE', 'normal_kernel_cpu'),
    step('randn', '', [[4]], N(f32, scalar=True)),
    err('randint', 'low', [5, 5, [3]], 'VALUE', "expects 'from' to be less than 'to'"),
    err('randint', '', [300, [3], Dtype(u8)], 'VALUE', 'to - 1 is out of bounds for uint8'),
    err('randperm', '', [-1], 'VALUE', 'n must be non-negative'),
    err('bernoulli_', 'float', [E(3), 1.5], 'VALUE', 'expects p to be in [0, 1]'),
    err('randn', '', [[-1]], 'VALUE', 'negative dimension'),
    step('rand', '', [[4]]),
])

rows = []
seq_rows = []
for label, seed, steps in sequences:
    torch.manual_seed(seed)
    srows = []
    for c in steps:
        args = [emit_arg(a) for a in c['args']]
        counter[0] += 1
        an = 'rc_a%d' % counter[0]
        out.append('static const ArgSpec %s[] = {%s};' % (an, ', '.join(args) if args else "{'n'}"))
        ov = '"%s"' % c['overload']
        name = '"aten::%s"' % c['name']
        if 'status' in c:
            try:
                call(c['name'], c['overload'], c['args'])
            except Exception:
                pass
            else:
                raise SystemExit('PyTorch accepted the error case %s' % c)
            srows.append('    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = \'e\', .status = TS_ERR_%s, .msg = "%s"},' % (
                name, ov, len(args), an, c['status'], c['msg'].replace('"', '\\"')))
            continue
        res = call(c['name'], c['overload'], c['args'])
        if res is None:  # manual_seed
            srows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = 'n'}," % (name, ov, len(args), an))
            continue
        counter[0] += 1
        on = 'rc_o%d' % counter[0]
        out.append('static const TSpec %s[] = {%s};' % (on, emit_tensor(res)))
        srows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = 't', .nout = 1, .outs = %s, .tol = %s}," % (
            name, ov, len(args), an, on, float.hex(float(c['tol']))))
    counter[0] += 1
    sn = 'rc_s%d' % counter[0]
    out.append('static const OpCase %s[] = {\n%s\n};' % (sn, '\n'.join(srows)))
    seq_rows.append('    {"%s", %dULL, %d, %s},' % (label, seed, len(srows), sn))

# nn.Linear / nn.Conv2d as PyTorch constructs them after manual_seed: weight
# kaiming_uniform_(a=sqrt(5)), then bias uniform_(-1/sqrt(fan_in), 1/sqrt(fan_in)).
init_rows = []
for seed, mod in [(0, 'linear 10 2'), (1, 'linear 10 2'), (42, 'linear 100 30'), (123, 'conv2d 3 4 3'), (7, 'conv2d 8 16 5')]:
    torch.manual_seed(seed)
    k = mod.split()
    m = torch.nn.Linear(int(k[1]), int(k[2])) if k[0] == 'linear' else torch.nn.Conv2d(int(k[1]), int(k[2]), int(k[3]))
    w, b = emit_tensor(m.weight.detach()), emit_tensor(m.bias.detach())
    init_rows.append('    {"%s", %dULL, %s, %s},' % (mod, seed, w, b))

print('/* Generated by tests/unit/gen/gen_random_cases.py from PyTorch %s: do not edit. */' % torch.__version__)
print('\n'.join(out))
print('static const RawCase raw_cases[] = {')
print('\n'.join(raw_rows))
print('};')
print('static const uint64_t default_seed = %dULL;' % default_seed)
print('static const double default_rand[] = {%s};' % ', '.join(fval(v) for v in default_rand.double().tolist()))
print('static const InitCase init_cases[] = {')
print('\n'.join(init_rows))
print('};')
print('static const RandSeq rand_seqs[] = {')
print('\n'.join(seq_rows))
print('};')
