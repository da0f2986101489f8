#!/usr/bin/python3
"""Generate tests/unit/test_tensor_ops_cases.inc: calls of ATen ops with their
results computed by real PyTorch (1.13), for test_tensor_ops.c.

    /usr/bin/python3 tests/unit/gen/gen_ops_cases.py > tests/unit/test_tensor_ops_cases.inc

Each case calls torch.ops.aten.<name>.<overload> with the given arguments
(keyword-only ones by name, as the schema says) and records the result:
a tensor, a list of tensors, or an error. Tensors are given by value; a
tensor marked strided is handed to the op as a non-contiguous view with the
same values. (TorchScript has no bool Scalars, so there are no such cases:
Python's True would reach the op as the int 1.) alias records whether the result is the first argument itself
(1) or a view sharing its storage (2). Error cases give the tscript status
and a piece of our message; PyTorch must fail on them too."""
import math
import torch

torch.manual_seed(7)
f32, f64, f16, bf16 = torch.float32, torch.float64, torch.float16, torch.bfloat16
i64, i32, i16, i8, u8, b1 = torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool
DT = {u8: 0, i8: 1, i16: 2, i32: 3, i64: 4, f16: 5, f32: 6, f64: 7, b1: 11, bf16: 15}
cases = []


class TArg:
    def __init__(self, t, strided=False, gen=0.0):
        self.t, self.strided, self.gen = t, strided, gen

    def value(self):
        """A fresh copy (in-place ops must not change the recorded inputs)."""
        t = self.t.clone()
        if self.strided and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t


def T(t, strided=False):
    return TArg(t, strided)


def G(shape, scale=1.0, dtype=f32, strided=False):
    """A tensor the C side regenerates: ((i * 7919) % 2003 - 1001) * scale."""
    n = 1
    for d in shape:
        n *= d
    vals = [((i * 7919) % 2003 - 1001) * scale for i in range(n)]
    return TArg(torch.tensor(vals, dtype=dtype).reshape(shape), strided, scale)


def R(*shape, dtype=f32, scale=1.0, strided=False):
    t = torch.randn(*shape) * scale
    if not dtype.is_floating_point:
        t = t.floor()
    return TArg(t.to(dtype), strided)


class TList:
    def __init__(self, items):
        self.items = items


class Dtype:
    def __init__(self, d):
        self.d = d


class Str:
    def __init__(self, s):
        self.s = s


def pyval(a):
    if isinstance(a, TArg):
        return a.value()
    if isinstance(a, TList):
        return [x.value() for x in a.items]
    if isinstance(a, Dtype):
        return a.d
    if isinstance(a, Str):
        return a.s
    return a


def call(name, overload, args):
    op = getattr(getattr(torch.ops.aten, name), overload or 'default')
    pos, kw = [], {}
    for spec, a in zip(op._schema.arguments, args):
        if spec.kwarg_only:
            kw[spec.name] = pyval(a)
        else:
            pos.append(pyval(a))
    return op(*pos, **kw), pos


# Matrix products: each float output is a sum of `terms` products, compared
# with a bound derived from the arithmetic (see op_cases.h), never bit for bit
# (PyTorch's BLAS picks its kernel, and so its summation order, per CPU).
PRODUCTS = ('mm', 'addmm', 'linear', 'bmm', 'dot', 'mv', 'matmul')


def terms(name, args):
    """How many products each output of a matrix product sums."""
    t = [a.t for a in args if isinstance(a, TArg)]
    if name == 'addmm':
        return t[1].shape[-1]
    return t[0].shape[-1]


def magnitude(name, overload, args):
    """The op on |inputs| in float64: per output, the sum of |a_k b_k| (and
    |bias|, |beta * input|) that bounds its rounding error."""
    def absval(a):
        if isinstance(a, TArg):
            return TArg(a.t.double().abs(), a.strided)
        if isinstance(a, float):
            return abs(a)
        return a
    res, _ = call(name, overload, [absval(a) for a in args])
    return res


def case(name, overload, args, tol=0.0):
    res, pos = call(name, overload, args)
    mag, k = None, 0
    if name in PRODUCTS and isinstance(res, torch.Tensor) and res.dtype.is_floating_point:
        mag, k = magnitude(name, overload, args), terms(name, args)
    alias = 0
    if isinstance(res, torch.Tensor) and pos and isinstance(pos[0], torch.Tensor):
        if res is pos[0]:
            alias = 1
        elif res.numel() and res.storage().data_ptr() == pos[0].storage().data_ptr():
            alias = 2
    cases.append(dict(name=name, overload=overload, args=args, res=res, tol=tol, mag=mag, terms=k, alias=alias))


def err(name, overload, args, status, msg):
    try:
        call(name, overload, args)
    except Exception:
        pass
    else:
        raise SystemExit('PyTorch accepted an error case: %s.%s' % (name, overload))
    cases.append(dict(name=name, overload=overload, args=args, status=status, msg=msg))


# ---- arithmetic and type promotion ----
a, b = R(2, 3), R(2, 3)
case('add', 'Tensor', [a, b])
case('add', 'Tensor', [a, b, 2.5])
case('add', 'Tensor', [R(2, 3, strided=True), R(3)])
case('add', 'Tensor', [R(4, 1, 3), R(5, 1), 0.5])
case('add', 'Tensor', [R(2, 3, dtype=i64, scale=100), R(3, dtype=i32, scale=100), 3])
case('add', 'Tensor', [R(2, 3, dtype=i32, scale=100), T(torch.tensor(2.5, dtype=f64))])
case('add', 'Tensor', [R(2, 3), T(torch.tensor(2.5, dtype=f64))])
case('add', 'Tensor', [R(2, 3, dtype=u8, scale=100), T(torch.tensor(-3))])
case('add', 'Tensor', [T(torch.tensor([True, False])), T(torch.tensor([True, True]))])
case('add', 'Tensor', [R(3, dtype=f16), R(3, dtype=bf16)])
case('add', 'Tensor', [R(3, dtype=f16), R(3)])
case('add', 'Scalar', [R(2, 3), 1])
case('add', 'Scalar', [R(2, 3, dtype=i32, scale=10), 2.5])
case('add', 'Scalar', [R(2, 3, dtype=i64, scale=10), 7, 2])
case('add', 'Scalar', [R(3, dtype=f16), 2.5])
case('add', 'Scalar', [T(torch.tensor([True, False])), 3])
case('add_', 'Tensor', [R(2, 3), R(3), 2])
case('add_', 'Tensor', [R(2, 3), R(2, 3, dtype=f64)])
case('add_', 'Scalar', [R(2, 3, dtype=i64, scale=10), 4])
case('sub', 'Tensor', [R(2, 3), R(2, 3), 0.5])
case('sub', 'Scalar', [R(2, 3, dtype=i32, scale=10), 1])
case('sub_', 'Tensor', [R(2, 3), R(1, 3)])
case('sub_', 'Scalar', [R(2, 3), 1.5])
case('rsub', 'Scalar', [R(2, 3), 1])
case('rsub', 'Scalar', [R(2, 3, dtype=i64, scale=10), 1.5, 2])
case('rsub', 'Tensor', [R(2, 3), R(3), 3])
case('mul', 'Tensor', [R(2, 3), R(2, 1)])
case('mul', 'Tensor', [R(2, 3, dtype=i16, scale=300), R(2, 3, dtype=i16, scale=300)])
case('mul', 'Tensor', [T(torch.tensor([True, False, True])), T(torch.tensor([True, True, False]))])
case('mul', 'Scalar', [R(2, 3), 0.1])
case('mul', 'Scalar', [R(2, 3, dtype=i64, scale=10), 0.1])
case('mul_', 'Tensor', [R(2, 3), R(3)])
case('mul_', 'Scalar', [R(2, 3), 3])
case('div', 'Tensor', [R(2, 3), R(2, 3)])
case('div', 'Tensor', [T(torch.tensor([1, 2, -7, 0])), T(torch.tensor([2, 2, 2, 0]))])
case('div', 'Tensor', [T(torch.tensor([1., -1., 0., 0.])), T(torch.tensor([0., 0., 0., -0.]))])
case('div', 'Scalar', [R(2, 3), 3])
case('div', 'Scalar', [R(2, 3, dtype=i32, scale=10), 4])
case('div', 'Tensor_mode', [T(torch.tensor([5, -5, 5, -5])), T(torch.tensor([2, 2, -2, -2])), Str('floor')])
case('div', 'Tensor_mode', [T(torch.tensor([5, -5, 5, -5])), T(torch.tensor([2, 2, -2, -2])), Str('trunc')])
case('div', 'Tensor_mode', [T(torch.tensor([5, -5, 5, -5])), T(torch.tensor([2, 2, -2, -2])), None])
case('div', 'Tensor_mode', [R(3, 4, scale=10), R(3, 4), Str('floor')])
case('div', 'Tensor_mode', [R(3, 4, scale=10), R(3, 4), Str('trunc')])
case('div', 'Scalar_mode', [R(3, 4, dtype=i64, scale=100), 7, Str('floor')])
case('div_', 'Tensor', [R(2, 3), R(3)])
case('div_', 'Scalar', [R(2, 3), 2])
case('floor_divide', None, [T(torch.tensor([7, -7, 7, -7])), T(torch.tensor([2, 2, -2, -2]))])
case('floor_divide', 'Scalar', [R(2, 3, scale=10), 0.7])
case('remainder', 'Tensor', [T(torch.tensor([7, -7, 7, -7])), T(torch.tensor([3, 3, -3, -3]))])
case('remainder', 'Scalar', [R(2, 3, scale=10), 1.5])
case('pow', 'Tensor_Scalar', [R(2, 3), 2])
case('pow', 'Tensor_Scalar', [R(2, 3), 3])
case('pow', 'Tensor_Scalar', [TArg(R(2, 3).value().abs()), 0.5], tol=1e-7)
case('pow', 'Tensor_Scalar', [TArg(R(2, 3).value().abs() + 0.1), 2.5], tol=1e-6)
case('pow', 'Tensor_Scalar', [TArg(R(2, 3).value().abs() + 0.1), -1])
case('pow', 'Tensor_Scalar', [TArg(R(2, 3).value().abs() + 0.1), -0.5], tol=1e-7)
case('pow', 'Tensor_Scalar', [R(2, 3), 0])
case('pow', 'Tensor_Scalar', [R(2, 3), 1])
case('pow', 'Tensor_Scalar', [T(torch.tensor([3, -2, 5])), 3])
case('pow', 'Tensor_Scalar', [T(torch.tensor([3, -2, 5])), 2.5], tol=1e-6)
case('pow', 'Tensor_Tensor', [T(torch.tensor([3, -2, 5])), T(torch.tensor([2, 3, 0]))])
case('pow', 'Tensor_Tensor', [TArg(R(4).value().abs()), R(4)], tol=1e-6)
case('pow', 'Scalar', [2, R(4)], tol=1e-6)
case('maximum', None, [T(torch.tensor([1., float('nan'), -2., 3.])), T(torch.tensor([2., 1., -3., float('nan')]))])
case('minimum', None, [R(2, 3, dtype=i32, scale=10), R(3, dtype=i32, scale=10)])
# comparisons
for cmp in ['eq', 'ne', 'lt', 'le', 'gt', 'ge']:
    x = T(torch.tensor([[1., 2., float('nan')], [4., 2., -1.]]))
    case(cmp, 'Tensor', [x, T(torch.tensor([2., 2., float('nan')]))])
    case(cmp, 'Scalar', [x, 2])
case('gt', 'Scalar', [T(torch.tensor([1, 2, 3])), 2.5])
case('eq', 'Scalar', [T(torch.tensor([0.1, 0.2])), 0.1])
case('lt', 'Tensor', [R(3, dtype=i64, scale=5), R(2, 1, dtype=f16)])
# unary
for name, tol, pos in [('neg', 0, False), ('exp', 1e-6, False), ('log', 1e-6, True), ('sqrt', 0, True),
                       ('rsqrt', 1e-7, True), ('abs', 0, False), ('sin', 1e-6, False), ('cos', 1e-6, False),
                       ('erf', 1e-6, False), ('log1p', 1e-6, True), ('reciprocal', 0, False),
                       ('floor', 0, False), ('ceil', 0, False), ('round', 0, False), ('sign', 0, False)]:
    x = R(3, 4, scale=3)
    if pos:
        x = TArg(x.value().abs() + 0.01)
    case(name, None, [x], tol=tol)
case('neg', None, [R(2, 3, dtype=i32, scale=100, strided=True)])
case('neg_', None, [R(2, 3)])
case('exp', None, [T(torch.tensor([0, 1, 2]))], tol=1e-6)
case('exp_', None, [R(2, 3)], tol=1e-6)
case('sqrt', None, [T(torch.tensor([-1., 0., -0., 4., float('inf')]))])
case('log', None, [T(torch.tensor([-1., 0., 1., float('inf')]))])
case('abs', None, [T(torch.tensor([-3, 0, 5], dtype=i8))])
case('round', None, [T(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999]))])
case('clamp', None, [R(3, 4, scale=2), -0.5, 0.5])
case('clamp', None, [R(3, 4, scale=2), None, 0.5])
case('clamp', None, [R(3, 4, scale=2), -0.5])
case('clamp', None, [T(torch.tensor([1, 5, -3])), 0, 2])
case('clamp', None, [T(torch.tensor([1, 5, -3])), 0.5])
case('clamp', None, [T(torch.tensor([1., float('nan'), 3.])), 0, 2])
case('clamp_', None, [R(3, 4, scale=2), -0.5, 0.5])
case('clamp_min', None, [R(3, 4), 0])
case('clamp_max', None, [R(3, 4), 0])
case('where', 'self', [T(torch.tensor([[True, False, True]])), R(2, 3), R(2, 1, dtype=f64)])
case('where', 'self', [T(torch.tensor([True, False])), T(torch.tensor([1, 2])), T(torch.tensor([5, 6], dtype=i32))])
# ---- activations ----
x = T(torch.tensor([[-2., -0.5, -0., 0., 0.5, 3.], [float('nan'), -1e30, 1e30, -10, 10, 0.1]]))
case('relu', None, [x])
case('relu', None, [R(3, 4, dtype=i64, scale=5)])
case('relu_', None, [R(3, 4)])
case('tanh', None, [x], tol=1e-6)
case('tanh', None, [R(3, 4, strided=True)], tol=1e-6)
case('tanh', None, [T(torch.tensor([0, 1, -2]))], tol=1e-6)
case('tanh_', None, [R(3, 4)], tol=1e-6)
case('sigmoid', None, [x], tol=1e-6)
case('sigmoid', None, [R(3, 4, dtype=f64)], tol=1e-14)
case('sigmoid_', None, [R(3, 4)], tol=1e-6)
case('hardtanh', None, [R(3, 4, scale=2)])
case('hardtanh', None, [R(3, 4, scale=2), -0.25, 0.75])
case('hardtanh_', None, [R(3, 4, scale=2), 0, 6])
case('gelu', None, [x], tol=1e-6)
case('gelu', None, [R(3, 4, scale=3), Str('tanh')], tol=1e-6)
case('gelu', None, [R(3, 4, dtype=f64)], tol=1e-14)
case('silu', None, [x], tol=1e-6)
case('silu_', None, [R(3, 4)], tol=1e-6)
case('relu6', None, [R(3, 4, scale=8)])
case('leaky_relu', None, [R(3, 4)])
case('leaky_relu', None, [R(3, 4), 0.2])
case('hardsigmoid', None, [R(3, 4, scale=4)], tol=1e-7)
case('hardswish', None, [R(3, 4, scale=4)], tol=1e-7)
case('softplus', None, [R(3, 4, scale=10)], tol=1e-6)
case('softplus', None, [R(3, 4, scale=10), 2, 5], tol=1e-6)
case('elu', None, [R(3, 4)], tol=1e-6)
case('softmax', 'int', [R(3, 5, scale=3), 1, None], tol=1e-6)
case('softmax', 'int', [R(3, 5, scale=3), 0, None], tol=1e-6)
case('softmax', 'int', [R(2, 3, 4, strided=True), -1, None], tol=1e-6)
case('softmax', 'int', [R(2, 3, 4), 1, Dtype(f64)], tol=1e-14)
case('softmax', 'int', [R(3, 5, dtype=f64), 1, None], tol=1e-14)
case('softmax', 'int', [T(torch.tensor([[1., float('inf')], [float('-inf'), 0.]])), 1, None])
case('softmax', 'int', [T(torch.tensor(2.)), 0, None])
case('log_softmax', 'int', [R(3, 5, scale=3), 1, None], tol=1e-6)
case('log_softmax', 'int', [R(4, 3, scale=30), 0, None], tol=1e-6)
case('dropout', None, [R(2, 3), 0.5, False])
case('dropout', None, [R(2, 3), 0.0, True])
# ---- matrix products ----
case('mm', None, [R(3, 4), R(4, 5)])
case('mm', None, [R(3, 4, strided=True), R(4, 5, strided=True)])
case('mm', None, [R(2, 3, dtype=f64), R(3, 2, dtype=f64)])
case('mm', None, [R(3, 4, dtype=i64, scale=10), R(4, 2, dtype=i64, scale=10)])
case('mm', None, [G((17, 300), 1e-3), G((300, 9), 1e-3, strided=True)])
case('mm', None, [R(0, 3), R(3, 4)])
case('mm', None, [R(2, 0), R(0, 4)])
case('addmm', None, [R(5), R(3, 4), R(4, 5)])
case('addmm', None, [R(3, 5), R(3, 4), R(4, 5), 0.5, 2])
case('addmm', None, [T(torch.tensor([float('nan')])), R(3, 4), R(4, 5), 0, 1])
case('linear', None, [R(2, 4), R(3, 4), R(3)])
case('linear', None, [R(2, 4), R(3, 4), None])
case('linear', None, [R(4), R(3, 4), R(3)])
case('linear', None, [R(2, 5, 4), R(3, 4), R(3)])
case('linear', None, [R(2, 2, 5, 4), R(3, 4), R(3)])
case('linear', None, [R(5, 2, 4, strided=True), R(3, 4), R(3)])
case('linear', None, [G((8, 300), 1e-3), G((40, 300), 2e-3), R(40)])
case('linear', None, [G((2, 4, 300), 1e-3), G((40, 300), 2e-3), R(40)])
case('linear', None, [G((3, 2, 300), 1e-3), G((7, 300), 2e-3), R(7)])
case('linear', None, [R(2, 4, dtype=f64), R(3, 4, dtype=f64), R(3, dtype=f64)])
case('bmm', None, [R(2, 3, 4), R(2, 4, 5)])
case('bmm', None, [R(2, 3, 4, strided=True), R(2, 4, 5)])
case('bmm', None, [G((2, 9, 40), 1e-2), G((2, 40, 6), 1e-2)])
case('dot', None, [R(7), R(7)])
case('dot', None, [T(torch.tensor([1, 2, 3])), T(torch.tensor([4, 5, 6]))])
case('mv', None, [R(3, 4), R(4)])
case('mv', None, [R(3, 4, strided=True), R(4)])
for s1, s2 in [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)), ((2, 3, 4), (4,)),
               ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)),
               ((2, 1, 3, 4), (5, 4, 2)), ((1, 3, 4), (6, 1, 4, 2)), ((2, 3, 4), (1, 4, 6))]:
    case('matmul', None, [R(*s1), R(*s2)])
case('matmul', None, [R(2, 3, 4, strided=True), R(4, 5)])
case('matmul', None, [G((3, 5, 200), 1e-3), G((200, 7), 1e-3)])
case('matmul', None, [G((3, 5, 200), 1e-3), G((3, 200, 7), 1e-3)])
case('matmul', None, [G((5, 200), 1e-3), G((3, 200, 7), 1e-3)])
case('matmul', None, [R(2, 3, 4, dtype=i64, scale=10), R(4, 2, dtype=i64, scale=10)])
# ---- shapes and views ----
x = R(2, 3, 4)
case('t', None, [R(3, 4)])
case('t', None, [R(3)])
case('transpose', 'int', [x, 0, 2])
case('transpose', 'int', [x, -1, 1])
case('permute', None, [x, [2, 0, 1]])
case('permute', None, [x, [-1, 0, 1]])
case('view', None, [x, [6, 4]])
case('view', None, [x, [-1]])
case('view', None, [x, [2, -1, 2]])
case('view', None, [R(4, 6, strided=True), [2, 2, 6]])
case('view', None, [R(0, 3), [3, 0, 2]])
case('reshape', None, [R(4, 6, strided=True), [6, 4]])
case('reshape', None, [x, [4, 6]])
case('reshape', None, [T(torch.tensor(3.)), [1, 1]])
case('flatten', 'using_ints', [x])
case('flatten', 'using_ints', [x, 1])
case('flatten', 'using_ints', [x, 0, 1])
case('flatten', 'using_ints', [x, 1, 1])
case('flatten', 'using_ints', [R(2, 3, 4, strided=True), 1, 2])
case('flatten', 'using_ints', [T(torch.tensor(5.))])
case('contiguous', None, [R(3, 4, strided=True)])
case('contiguous', None, [R(3, 4)])
case('unsqueeze', None, [x, 0])
case('unsqueeze', None, [x, -1])
case('unsqueeze', None, [R(3, 4, strided=True), 1])
case('squeeze', None, [R(1, 3, 1, 2)])
case('squeeze', 'dim', [R(1, 3, 1, 2), 2])
case('squeeze', 'dim', [R(1, 3, 1, 2), 1])
case('select', 'int', [x, 1, 2])
case('select', 'int', [x, 0, -1])
case('select', 'int', [R(3, 4, strided=True), 1, 0])
case('slice', 'Tensor', [R(5, 4), 0, 1, 4, 2])
case('slice', 'Tensor', [R(5, 4), 1, -3, None, 1])
case('slice', 'Tensor', [R(5, 4), 0, None, 100, 1])
case('slice', 'Tensor', [R(5, 4), 0, 10, 20, 1])
case('slice', 'Tensor', [R(5, 4), -1, 3, 1, 1])
case('slice', 'Tensor', [R(5, 4), 0, -100, -2, 3])
case('cat', None, [TList([R(2, 3), R(1, 3)])])
case('cat', None, [TList([R(2, 3), R(2, 1, strided=True), R(2, 2)]), 1])
case('cat', None, [TList([R(2, 3), R(2, 3, dtype=f64)]), -1])
case('cat', None, [TList([R(2, 3, dtype=i32, scale=10), T(torch.zeros(0)), R(1, 3, dtype=i64, scale=10)])])
case('stack', None, [TList([R(2, 3), R(2, 3)])])
case('stack', None, [TList([R(2, 3), R(2, 3), R(2, 3)]), 2])
case('stack', None, [TList([T(torch.tensor(1.)), T(torch.tensor(2))])])
case('expand', None, [R(3, 1), [2, 3, 4]])
case('expand', None, [R(3, 1), [-1, 5]])
case('expand_as', None, [R(1, 4), R(3, 4)])
case('view_as', None, [R(2, 6), R(3, 4)])
case('detach', None, [R(2, 3)])
case('chunk', None, [R(5, 2), 3])
case('chunk', None, [R(2, 6), 4, 1])
case('split', 'Tensor', [R(7, 2), 3])
case('split', 'Tensor', [R(2, 7), 2, -1])
# ---- creation, conversion, reductions ----
case('zeros', None, [[2, 3]])
case('zeros', None, [[2, 3], Dtype(i32)])
case('ones', None, [[3], Dtype(f64)])
case('ones', None, [[]])
case('full', None, [[2, 2], 3.5])
case('full', None, [[2, 2], 7])
case('full', None, [[2], 7, Dtype(f16)])
case('zeros_like', None, [R(2, 3, dtype=i16, scale=5)])
case('ones_like', None, [R(2, 3), Dtype(bf16)])
case('clone', None, [R(3, 4, strided=True)])
case('to', 'dtype', [R(2, 3, scale=100), Dtype(i32)])
case('to', 'dtype', [R(2, 3, scale=100), Dtype(u8)])
case('to', 'dtype', [R(2, 3), Dtype(f16)])
case('to', 'dtype', [R(2, 3), Dtype(bf16)])
case('to', 'dtype', [R(2, 3, dtype=i64, scale=10), Dtype(b1)])
case('to', 'dtype', [R(2, 3), Dtype(f32)])
case('to', 'dtype', [R(2, 3), Dtype(f32), False, True])
case('to', 'other', [R(2, 3), R(1, dtype=f64)])
case('to', 'prim_dtype', [R(2, 3), 7])
case('type_as', None, [R(2, 3), R(1, dtype=i32)])
case('sum', None, [R(3, 4)], tol=1e-6)
case('sum', None, [R(3, 4, dtype=i32, scale=100)])
case('sum', None, [T(torch.tensor([True, True, False]))])
case('sum', None, [R(3, 4), Dtype(f64)], tol=1e-14)
case('sum', 'dim_IntList', [R(3, 4, 5), [1]], tol=1e-6)
case('sum', 'dim_IntList', [R(3, 4, 5, strided=True), [0, 2], True], tol=1e-6)
case('sum', 'dim_IntList', [R(3, 4, 5), [-1]], tol=1e-6)
case('sum', 'dim_IntList', [R(3, 4, 5), []], tol=1e-6)
case('sum', 'dim_IntList', [R(3, 4, 5, dtype=i16, scale=100), [1]])
case('mean', None, [R(3, 4)], tol=1e-6)
case('mean', None, [R(3, 4, dtype=f16)], tol=1e-3)
case('mean', 'dim', [R(3, 4, 5), [1]], tol=1e-6)
case('mean', 'dim', [R(3, 4, 5), [0, -1], True], tol=1e-6)
case('mean', 'dim', [R(3, 4, dtype=f64), None], tol=1e-14)
case('mean', 'dim', [R(3, 0), [1]])

# ---- ops added for the OpInfo suite (ops/tensor_more.def); test_oom_cleanup runs them too ----
case('as_strided', None, [R(3, 4), [2, 2], [1, 2], 1])
case('as_strided_scatter', None, [R(3, 4, strided=True), R(2, 2), [2, 2], [1, 3], 1])
err('as_strided', None, [R(3, 4), [20], [1]], 'SHAPE', 'out of bounds for storage')
case('squeeze_', None, [R(1, 3, 1)])
case('transpose_', None, [R(2, 3), 0, 1])
case('ldexp', 'Tensor', [R(2, 3), T(torch.tensor([[1, -2, 3], [0, 4, -1]]))])
case('put', None, [R(3, 3), T(torch.tensor([0, -1, 4, 4])), R(4), True])
# float64 accumulation against PyTorch's float32 one: a few eps32 times the
# sum of |terms| (~10 for these), relative to max(1, |result|)
case('cov', None, [R(3, 6), 1, T(torch.tensor([1, 2, 0, 3, 1, 1])), T(torch.rand(6) + 0.1)], tol=2e-5)
case('corrcoef', None, [R(3, 5)], tol=2e-5)
case('quantile', 'scalar', [R(4, 5), 0.3, 1, True, Str('linear')], tol=1e-6)
case('nanquantile', None, [T(torch.tensor([[1.0, float('nan'), 3.0, 0.5], [2.0, -1.0, 4.0, 8.0]])),
                           T(torch.tensor([0.25, 0.5])), 1, False, Str('midpoint')])
case('combinations', None, [R(4), 3, True])
case('unique_consecutive', None, [T(torch.tensor([3, 3, 1, 1, 2, 3])), True, True, None])
case('trapezoid', 'x', [R(3, 5), R(5), -1], tol=1e-6)
case('cumulative_trapezoid', 'dx', [R(3, 5), 0.5, 0], tol=1e-6)
case('native_layer_norm', None, [R(2, 3, 4), [3, 4], R(3, 4), R(3, 4), 1e-5], tol=1e-6)
case('igamma', None, [T(torch.tensor([0.5, 1.0, 3.0, 10.0, 0.0])), T(torch.tensor([0.2, 2.0, 3.0, 7.5, 1.0]))], tol=1e-6)
case('special_ndtri', None, [T(torch.tensor([1e-30, 0.01, 0.5, 0.975, 1.0]))], tol=1e-6)

# ---- errors (status, a piece of our message) ----
err('add', 'Tensor', [R(2, 3), R(4)], 'SHAPE', 'must match the size of tensor b (4) at non-singleton dimension 1')
err('add', 'Tensor', [R(2, 3, dtype=i64), R(3, dtype=i64), 2.5], 'TYPE', 'alpha must not be a floating point')
err('add_', 'Tensor', [R(3), R(2, 3)], 'SHAPE', "output with shape [3] doesn't match the broadcast shape [2, 3]")
err('add_', 'Scalar', [R(3, dtype=i64), 2.5], 'TYPE', "result type float32 can't be cast to the desired output type int64")
err('sub', 'Tensor', [T(torch.tensor([True])), T(torch.tensor([True]))], 'TYPE', 'with two bool tensors is not supported')
err('neg', None, [T(torch.tensor([True]))], 'TYPE', 'on a bool tensor is not supported')
err('div', 'Tensor_mode', [T(torch.tensor([1, 2])), T(torch.tensor([1, 0])), Str('floor')], 'VALUE', 'ZeroDivisionError')
err('div', 'Tensor_mode', [R(2), R(2), Str('round')], 'VALUE', "found 'round'")
err('remainder', 'Scalar', [T(torch.tensor([1, 2])), 0], 'VALUE', 'ZeroDivisionError')
err('pow', 'Tensor_Scalar', [T(torch.tensor([1, 2])), -1], 'VALUE', 'negative integer powers')
err('mm', None, [R(2, 3), R(4, 5)], 'SHAPE', 'mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)')
err('mm', None, [R(2, 3), R(3, 5, dtype=f64)], 'TYPE', 'same dtype, but got float32 and float64')
err('mm', None, [R(2, 3, 1), R(3, 5)], 'SHAPE', 'self must be a matrix')
err('addmm', None, [R(4), R(2, 3), R(3, 5)], 'SHAPE', 'expanded size of the tensor (5) must match the existing size (4)')
err('linear', None, [R(2, 3), R(5, 4), None], 'SHAPE', 'linear: input has 3 features, weight expects 4 (input [2, 3], weight [5, 4])')
err('linear', None, [R(2, 4), R(5, 4), R(3)], 'SHAPE', 'expanded size of the tensor (5) must match the existing size (3)')
err('linear', None, [R(2, 2, 4), R(5, 4), R(3)], 'SHAPE', 'expanded size of the tensor (5) must match the existing size (3)')
err('linear', None, [R(2, 2, 2, 4), R(5, 4), R(3)], 'SHAPE', 'the size of tensor a (5) must match the size of tensor b (3)')
err('matmul', None, [R(2, 3), R(4)], 'SHAPE', 'size mismatch, got input (2), mat (2x3), vec (4)')
err('matmul', None, [R(2, 3, 4), R(2, 5, 6)], 'SHAPE', 'mat1 and mat2 shapes cannot be multiplied (3x4 and 5x6)')
err('matmul', None, [R(2, 3, 4), R(3, 4, 6)], 'SHAPE', 'the size of tensor a (2) must match the size of tensor b (3)')
err('matmul', None, [T(torch.tensor(1.)), R(3)], 'SHAPE', 'need to be at least 1D')
err('dot', None, [R(3), R(4)], 'SHAPE', 'inconsistent tensor size')
err('bmm', None, [R(2, 3, 4), R(3, 4, 5)], 'SHAPE', 'expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4]')
err('view', None, [R(2, 3), [4, 2]], 'SHAPE', "shape '[4, 2]' is invalid for input of size 6")
err('view', None, [R(2, 3), [-1, -1]], 'VALUE', 'only one dimension can be inferred')
err('view', None, [R(0, 3), [3, 0, -1]], 'SHAPE', 'the unspecified dimension size -1 can be any value and is ambiguous')
err('view', None, [R(4, 6, strided=True), [24]], 'SHAPE', 'view size is not compatible')
err('transpose', 'int', [R(2, 3), 0, 2], 'VALUE', 'dimension out of range (expected to be in range of [-2, 1], but got 2)')
err('permute', None, [R(2, 3), [0, 0]], 'VALUE', 'repeated dim')
err('permute', None, [R(2, 3), [0]], 'SHAPE', "number of dims don't match")
err('t', None, [R(2, 3, 4)], 'SHAPE', 't() expects a tensor with <= 2 dimensions, but self is 3D')
err('select', 'int', [R(2, 3), 1, 3], 'VALUE', 'index 3 out of range for tensor of size [2, 3] at dimension 1')
err('slice', 'Tensor', [R(2, 3), 0, 0, 1, 0], 'VALUE', 'slice step must be positive')
err('cat', None, [TList([R(2, 3), R(2, 4)])], 'SHAPE', 'Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1')
err('cat', None, [TList([])], 'VALUE', 'expected a non-empty list of Tensors')
err('cat', None, [TList([T(torch.tensor(1.))])], 'SHAPE', 'zero-dimensional tensor (at position 0) cannot be concatenated')
err('stack', None, [TList([R(2), R(3)])], 'SHAPE', 'stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1')
err('expand', None, [R(3, 2), [3, 4]], 'SHAPE', 'expanded size of the tensor (4) must match the existing size (2)')
err('softmax', 'int', [R(2, dtype=i64), 0, None], 'TYPE', 'expected a floating point tensor, got int64')
err('softmax', 'int', [R(2, 3), 2, None], 'VALUE', 'dimension out of range')
err('mean', None, [R(3, dtype=i64)], 'TYPE', 'Input dtype must be either a floating point or complex dtype. Got: Long')
err('dropout', None, [R(2, 3), 1.5, False], 'VALUE', 'dropout probability has to be between 0 and 1, but got 1.5')
err('gelu', None, [R(2), Str('exact')], 'VALUE', 'approximate argument must be either none or tanh')
err('gelu', None, [R(2, dtype=i64)], 'TYPE', 'expected a floating point tensor, got int64')
err('clamp', None, [R(2)], 'VALUE', "at least one of 'min' or 'max' must not be None")
err('zeros', None, [[2, -1]], 'VALUE', 'negative dimension -1')
err('chunk', None, [R(4), 0], 'VALUE', 'chunk expects `chunks` to be greater than 0, got: 0')
err('where', 'self', [R(2), R(2), R(2)], 'TYPE', 'expected condition to be a boolean tensor')
err('squeeze', 'dim', [R(2, 3), 3], 'VALUE', 'dimension out of range')

# ---- emit C ----
out = []


def fval(v):
    if math.isnan(v):
        return 'NAN'
    if math.isinf(v):
        return 'INFINITY' if v > 0 else '-INFINITY'
    h = float.hex(v)  # 0x1.8e0afa0000000p+7 -> 0x1.8e0afap+7
    m, e = h.split('p')
    m = m.rstrip('0').rstrip('.')
    return m + 'p' + e


counter = [0]


def emit_tensor(t, strided=False, gen=0.0, mag=None):
    """C initializer of a TSpec; value arrays are emitted before it."""
    counter[0] += 1
    n = counter[0]
    mv = 'NULL'
    if mag is not None and mag.numel():
        out.append('static const double oc_m%d[] = {%s};' % (n, ', '.join(fval(v) for v in mag.reshape(-1).tolist())))
        mv = 'oc_m%d' % n
    flat = t.detach().reshape(-1)
    fv = iv = 'NULL'
    if not gen and flat.numel():
        if t.dtype.is_floating_point:
            out.append('static const double oc_f%d[] = {%s};' % (n, ', '.join(fval(v) for v in flat.double().tolist())))
            fv = 'oc_f%d' % n
        else:
            vals = []
            for v in flat.long().tolist():
                vals.append('INT64_MIN' if v == -2**63 else '%dLL' % v)
            out.append('static const int64_t oc_i%d[] = {%s};' % (n, ', '.join(vals)))
            iv = 'oc_i%d' % n
    shape = ', '.join(str(s) for s in t.shape) or '0'
    return '{%d, %d, {%s}, %d, %s, %s, %s, %s}' % (DT[t.dtype], t.dim(), shape, int(strided), fv, iv,
                                                  float.hex(float(gen)), mv)


def emit_arg(a):
    if isinstance(a, TArg):
        return "{.kind = 't', .t = %s}" % emit_tensor(a.t, a.strided, a.gen)
    if isinstance(a, TList):
        items = [emit_tensor(x.t, x.strided, x.gen) for x in a.items]
        counter[0] += 1
        name = 'oc_tl%d' % counter[0]
        out.append('static const TSpec %s[] = {%s};' % (name, ', '.join(items) if items else '{0}'))
        return "{.kind = 'T', .n = %d, .tensors = %s}" % (len(items), name)
    if isinstance(a, Dtype):
        return "{.kind = 'i', .i = %d}" % DT[a.d]
    if isinstance(a, Str):
        return "{.kind = 's', .s = \"%s\"}" % a.s
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
        name = 'oc_l%d' % counter[0]
        out.append('static const int64_t %s[] = {%s};' % (name, ', '.join('%dLL' % v for v in a) if a else '0'))
        return "{.kind = 'l', .n = %d, .list = %s}" % (len(a), name)
    raise TypeError(a)


rows = []
for k, c in enumerate(cases):
    args = [emit_arg(a) for a in c['args']]
    counter[0] += 1
    an = 'oc_a%d' % counter[0]
    out.append('static const ArgSpec %s[] = {%s};' % (an, ', '.join(args) if args else "{'n'}"))
    ov = '"%s"' % c['overload'] if c['overload'] else '""'
    name = '"aten::%s"' % c['name']
    if 'status' in c:
        rows.append('    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = \'e\', .status = TS_ERR_%s, .msg = "%s"},' % (
            name, ov, len(args), an, c['status'], c['msg'].replace('"', '\\"')))
        continue
    res = c['res']
    if isinstance(res, (list, tuple)):
        outs = [emit_tensor(t) for t in res]
        kind = 'M' if isinstance(res, tuple) else 'L'  # several returns, or one Tensor[]
    else:
        outs = [emit_tensor(res, mag=c['mag'])]
        kind = 't'
    counter[0] += 1
    on = 'oc_o%d' % counter[0]
    out.append('static const TSpec %s[] = {%s};' % (on, ', '.join(outs)))
    rows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = '%s', .nout = %d, .outs = %s, .tol = %s, .terms = %d, .alias = %d}," % (
        name, ov, len(args), an, kind, len(outs), on, float.hex(float(c['tol'])), c['terms'], c['alias']))

print('/* Generated by tests/unit/gen/gen_ops_cases.py from PyTorch %s: do not edit. */' % torch.__version__)
print('\n'.join(out))
print('static const OpCase op_cases[] = {')
print('\n'.join(rows))
print('};')
