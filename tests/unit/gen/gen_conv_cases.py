#!/usr/bin/python3
"""Generate tests/unit/test_conv_cases.inc: calls of the CNN ops (convolution,
pooling, batch norm, in-place hard activations) with their results computed
by real PyTorch (1.13), for test_conv.c.

    /usr/bin/python3 tests/unit/gen/gen_conv_cases.py > tests/unit/test_conv_cases.inc

The format is that of gen_ops_cases.py (test_tensor_ops_cases.inc): each case
calls torch.ops.aten.<name>.<overload> with the given arguments and records
the result or, for error cases, the tscript status and a piece of our
message (PyTorch must fail too, except for `unsup` cases: valid calls tscript
does not implement). A tensor marked strided reaches the op as a
non-contiguous view. Convolution outputs carry their magnitude and number of
terms, and are compared within the rounding bound of op_cases.h; other float
results within tol, a relative tolerance (0: bit-exact, for results that are
one correctly rounded operation or a selection, like max pooling)."""
import math
import torch

torch.manual_seed(11)
f32, f64 = torch.float32, torch.float64
DT = {torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4, torch.float16: 5, f32: 6,
      f64: 7, torch.bool: 11, torch.bfloat16: 15}
cases = []


class TArg:
    def __init__(self, t, strided=False):
        self.t, self.strided = t, strided

    def value(self):
        t = self.t.clone()
        if self.strided and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t


def R(*shape, dtype=f32, scale=1.0, strided=False):
    return TArg((torch.randn(*shape) * scale).to(dtype), strided)


def T(t, strided=False):
    return TArg(t, strided)


class Str:
    def __init__(self, s):
        self.s = s


def pyval(a):
    if isinstance(a, TArg):
        return a.value()
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


CONVS = ('conv1d', 'conv2d', 'convolution', '_convolution')


def magnitude(name, overload, args):
    """The op on |inputs| in float64: per output, the sum of |w x| (and
    |bias|) that bounds its rounding error."""
    def absval(a):
        return TArg(a.t.double().abs(), a.strided) if isinstance(a, TArg) else a
    res, _ = call(name, overload, [absval(a) for a in args])
    return res


def case(name, overload, args, tol=0.0):
    res, pos = call(name, overload, args)
    mag, k = None, 0
    if name in CONVS and res.dtype.is_floating_point:
        mag, k = magnitude(name, overload, args), args[1].t[0].numel()
    alias = 0
    if isinstance(res, torch.Tensor) and pos and isinstance(pos[0], torch.Tensor):
        if res is pos[0]:
            alias = 1
        elif res.numel() and res.storage().data_ptr() == pos[0].storage().data_ptr():
            alias = 2
    cases.append(dict(name=name, overload=overload, args=args, res=res, tol=tol, mag=mag, terms=k, alias=alias))


def err(name, overload, args, status, msg, pytorch_fails=True):
    if pytorch_fails:
        try:
            call(name, overload, args)
        except Exception:
            pass
        else:
            raise SystemExit('PyTorch accepted an error case: %s.%s: %s' % (name, overload, msg))
    cases.append(dict(name=name, overload=overload, args=args, status=status, msg=msg))


def unsup(name, overload, args, msg):
    err(name, overload, args, 'UNSUPPORTED', msg, pytorch_fails=False)


# ---- convolution ----
# conv2d(input, weight, bias, stride, padding, dilation, groups)
# Every float output is a sum of C/groups * KH * KW products (plus the bias):
# compared with the bound of op_cases.h, never bit for bit, since PyTorch's
# summation order (oneDNN's blocking, OpenBLAS's kernel) depends on the CPU.
case('conv2d', None, [R(1, 3, 7, 7), R(4, 3, 3, 3), R(4), [1, 1], [0, 0], [1, 1], 1])
case('conv2d', None, [R(2, 4, 9, 11), R(6, 2, 3, 2), R(6), [2, 1], [1, 0], [1, 2], 2])
case('conv2d', None, [R(2, 4, 9, 11), R(6, 2, 3, 2), None, [1, 3], [0, 1], [2, 1], 2])
case('conv2d', None, [R(1, 6, 8, 8), R(6, 1, 3, 3), R(6), [1, 1], [1, 1], [1, 1], 6])  # depthwise
case('conv2d', None, [R(2, 5, 9, 7), R(5, 1, 5, 5), None, [2, 2], [2, 2], [1, 1], 5])  # depthwise, strided
case('conv2d', None, [R(1, 3, 6, 5), R(6, 1, 3, 2), R(6), [1, 2], [1, 1], [1, 1], 3])  # channel multiplier 2: oneDNN's blocked kernel
case('conv2d', None, [R(1, 8, 5, 6), R(12, 8, 1, 1), R(12), [1, 1], [0, 0], [1, 1], 1])  # 1x1
case('conv2d', None, [R(1, 8, 5, 6), R(12, 8, 1, 1), None, [2, 2], [0, 0], [1, 1], 1])  # 1x1 stride 2
case('conv2d', None, [R(1, 8, 5, 6), R(12, 4, 1, 1), R(12), [1, 1], [0, 0], [1, 1], 2])  # grouped 1x1
case('conv2d', None, [R(3, 7, 6), R(5, 3, 3, 3), R(5), [1, 1], [1, 1], [1, 1], 1])  # unbatched
case('conv2d', None, [R(2, 3, 7, 6, strided=True), R(4, 3, 3, 2, strided=True), R(4), [1, 1], [1, 1], [1, 1], 1])
case('conv2d', None, [R(2, 3, 7, 6, dtype=f64), R(4, 3, 3, 2, dtype=f64), R(4, dtype=f64), [2, 2], [1, 1], [1, 1], 1])
case('conv2d', None, [R(1, 3, 16, 16), R(8, 3, 7, 7), None, [2, 2], [3, 3], [1, 1], 1])  # oneDNN 1st conv
# first layers with 16k output channels take the register-blocked direct kernel
case('conv2d', None, [R(1, 3, 16, 13), R(16, 3, 7, 7), R(16), [2, 2], [3, 3], [1, 1], 1])
case('conv2d', None, [R(2, 1, 9, 10), R(32, 1, 3, 3), None, [1, 1], [1, 1], [1, 1], 1])
# oneDNN's blocked kernels: 180 and 400 terms per output
case('conv2d', None, [R(2, 20, 6, 7), R(8, 20, 3, 3), R(8), [1, 1], [1, 1], [1, 1], 1])
case('conv2d', None, [R(1, 32, 5, 5), R(16, 16, 5, 5), R(16), [1, 1], [2, 2], [1, 1], 2])
case('conv2d', None, [R(1, 2, 5, 5), R(3, 2, 5, 5), R(3), 1, 0, 1, 1])  # kernel == input
case('conv2d', 'padding', [R(1, 3, 7, 6), R(4, 3, 3, 3), R(4), [1, 1], Str('same'), [1, 1], 1])
case('conv2d', 'padding', [R(1, 3, 7, 6), R(4, 3, 4, 2), R(4), [1, 1], Str('same'), [1, 1], 1])
case('conv2d', 'padding', [R(1, 4, 8, 9), R(4, 2, 2, 3), None, [1, 1], Str('same'), [2, 3], 2])
case('conv2d', 'padding', [R(1, 3, 7, 6), R(4, 3, 3, 3), R(4), [2, 1], Str('valid'), [1, 1], 1])
# conv1d(input, weight, bias, stride, padding, dilation, groups)
case('conv1d', None, [R(2, 3, 10), R(4, 3, 3), R(4), [1], [1], [1], 1])
case('conv1d', None, [R(2, 4, 11), R(6, 2, 3), None, [2], [2], [2], 2])
case('conv1d', None, [R(4, 12), R(4, 1, 5), R(4), [1], [2], [1], 4])  # unbatched depthwise
case('conv1d', 'padding', [R(1, 3, 9), R(2, 3, 4), R(2), [1], Str('same'), [1], 1])
# convolution / _convolution (traced models)
conv_args = [R(1, 4, 8, 7), R(6, 2, 3, 3), R(6), [2, 1], [1, 2], [1, 1], False, [0, 0], 2]
case('convolution', None, conv_args)
case('_convolution', None, conv_args + [False, False, True, True])
case('_convolution', 'deprecated', conv_args + [False, False, True])
case('_convolution', None, [R(2, 3, 9), R(4, 3, 3), R(4), [1], [1], [1], False, [0], 1, False, False, True, True])
case('_convolution', None, [R(1, 6, 7, 7), R(6, 1, 3, 3), R(6), [1, 1], [1, 1], [1, 1], False, [0, 0], 6, False, False,
                            True, True])

err('conv2d', None, [R(3, 5), R(4, 3, 3, 3)], 'SHAPE', 'Expected 3D (unbatched) or 4D (batched) input to conv2d')
err('conv2d', None, [R(1, 4, 5, 5), R(4, 3, 3, 3)], 'SHAPE',
    'weight of size [4, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead')
err('conv2d', None, [R(1, 3, 2, 5), R(4, 3, 3, 3)], 'SHAPE',
    'Calculated padded input size per channel: (2 x 5). Kernel size: (3 x 3). Kernel size can\'t be greater')
err('conv2d', None, [R(1, 3, 3, 4), R(4, 3, 2, 2), None, 1, 0, 3], 'SHAPE', '(3 x 4). Kernel size: (4 x 4)')
err('conv2d', None, [R(1, 4, 5, 5), R(3, 2, 3, 3), None, 1, 0, 1, 2], 'SHAPE',
    'Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 2, 3, 3]')
err('conv2d', None, [R(1, 3, 5, 5), R(4, 3, 3, 3), R(3)], 'SHAPE',
    'expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead')
err('conv2d', None, [R(1, 3, 5, 5), R(4, 3, 3, 3), None, 0], 'VALUE', 'non-positive stride is not supported')
err('conv2d', None, [R(1, 3, 5, 5), R(4, 3, 3, 3), None, 1, -1], 'VALUE', 'negative padding is not supported')
err('conv2d', None, [R(1, 3, 5, 5), R(4, 3, 3, 3), None, 1, 0, 0], 'VALUE', 'dilation should be greater than zero')
err('conv2d', None, [R(1, 3, 5, 5), R(3, 3, 3, 3), None, 1, 0, 1, 0], 'VALUE', 'non-positive groups is not supported')
err('conv2d', None, [R(1, 3, 5, 5), R(4, 3, 3, 3, dtype=f64)], 'TYPE',
    'Input type (float32) and weight type (float64) should be the same')
# integer convolution and average pooling (PyTorch accumulates in int64; the average truncates)
case('conv2d', None, [T(torch.arange(75).reshape(1, 3, 5, 5) % 7 - 3), T(torch.arange(108).reshape(4, 3, 3, 3) % 5 - 2)])
case('avg_pool2d', None, [T(torch.arange(48).reshape(1, 3, 4, 4) % 9 - 4), [2, 2]])
err('max_pool2d', None, [T(torch.ones(1, 3, 4, 4, dtype=torch.int64)), [2, 2]], 'TYPE', 'expected a floating point input')
err('conv2d', 'padding', [R(1, 3, 5, 5), R(4, 3, 3, 3), None, 2, Str('same')], 'VALUE',
    "padding='same' is not supported for strided convolutions")
err('conv2d', 'padding', [R(1, 3, 5, 5), R(4, 3, 3, 3), None, 1, Str('full')], 'VALUE', "Invalid padding string: 'full'")
err('conv1d', None, [R(1, 3, 5, 5), R(4, 3, 3)], 'SHAPE', 'Expected 2D (unbatched) or 3D (batched) input to conv1d')
err('convolution', None, [R(3, 5, 5), R(4, 3, 3, 3), None, [1], [0], [1], False, [0], 1], 'SHAPE',
    'Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional input of size [3, 5, 5]')
err('convolution', None, [R(1, 3, 5, 5), R(4, 3, 3, 3), None, [1, 1, 1], [0], [1], False, [0], 1], 'VALUE',
    'expected stride to be a single integer value or a list of 2 values')
# transposed (what traces record as _convolution): tensor_conv3.c's reference code; more at the end
case('convolution', None, [R(1, 3, 5, 5), R(3, 4, 3, 3), None, [1], [0], [1], True, [0], 1], tol=1e-5)

# ---- batch norm (input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn) ----
def bn(shape, c, dtype=f32, affine=True, strided=False, eps=1e-5):
    return [R(*shape, dtype=dtype, strided=strided), R(c, dtype=dtype) if affine else None,
            R(c, dtype=dtype) if affine else None, R(c, dtype=dtype), T((torch.rand(c) + 0.5).to(dtype)), False, 0.1,
            eps, True]


case('batch_norm', None, bn((2, 3, 5, 4), 3))
case('batch_norm', None, bn((4, 5), 5))
case('batch_norm', None, bn((2, 3, 7), 3, affine=False, eps=1e-3))
case('batch_norm', None, bn((2, 3, 5, 4), 3, strided=True))
case('batch_norm', None, bn((2, 3, 5, 4), 3, dtype=f64), 1e-15)
case('batch_norm', None, bn((2, 3, 5, 4), 3)[:5] + [True, 0.1, 1e-5, True], 1e-6)  # training: batch statistics
case('batch_norm', None, [R(4, 3), None, None, None, None, True, 0.1, 1e-5, True], 1e-6)  # training, no running stats
case('batch_norm', None, [R(1, 3), None, None, None, R(3), True, 0.1, 1e-5, True], 1e-6)  # one value per channel
err('batch_norm', None, bn((2, 4, 5), 3), 'SHAPE', 'weight should contain 4 elements not 3')
err('batch_norm', None, [R(2, 3, 4), R(3), R(3), None, None, False, 0.1, 1e-5, True], 'VALUE',
    'running_mean must be defined in evaluation mode')

# ---- pooling ----
# max_pool2d(self, kernel_size, stride, padding, dilation, ceil_mode)
case('max_pool2d', None, [R(1, 2, 9, 9), [3, 3], [2, 2], [1, 1], [1, 1], False])
case('max_pool2d', None, [R(2, 3, 10, 7), [3, 2], [2, 2], [0, 1], [1, 1], True])
case('max_pool2d', None, [R(1, 2, 11, 9), [3, 3], [2, 3], [1, 1], [2, 2], True])
case('max_pool2d', None, [R(3, 8, 8), [2, 2], [], [0, 0], [1, 1], False])
case('max_pool2d', None, [R(1, 2, 7, 6, strided=True), [3, 3], [1, 1], [1, 1], [1, 1], False])
case('max_pool2d', None, [R(1, 2, 7, 6, dtype=f64), [3, 3], [2, 2], [1, 1], [1, 1], True])
case('max_pool2d', None, [T(torch.tensor([[[[1., float('nan'), 3.], [4., 5., -1.], [0., 2., 9.]]]])), [2, 2], [1, 1],
                          [0, 0], [1, 1], False])
case('max_pool1d', None, [R(2, 3, 11), [3], [2], [1], [1], True])
err('max_pool2d', None, [R(1, 2, 9, 9), [3, 3], [2, 2], [2, 2]], 'VALUE', 'pad should be smaller than or equal to half')
err('max_pool2d', None, [R(1, 2, 2, 2), [3, 3], [1, 1], [0, 0]], 'SHAPE',
    'Given input size: (2x2x2). Calculated output size: (2x0x0). Output size is too small')
err('max_pool2d', None, [R(1, 2, 5, 5), [0, 2]], 'VALUE', 'kernel size should be greater than zero')
err('max_pool2d', None, [R(5, 5), [2, 2]], 'SHAPE', 'Expected 3D or 4D (batch mode) tensor')
# avg_pool2d(self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
case('avg_pool2d', None, [R(1, 2, 9, 9), [3, 3], [2, 2], [1, 1], False, True, None], 1e-6)
case('avg_pool2d', None, [R(1, 2, 9, 9), [3, 3], [2, 2], [1, 1], False, False, None], 1e-6)
case('avg_pool2d', None, [R(2, 3, 10, 7), [3, 2], [2, 2], [1, 1], True, True, None], 1e-6)
case('avg_pool2d', None, [R(2, 3, 10, 7), [3, 2], [2, 2], [1, 1], True, False, None], 1e-6)
case('avg_pool2d', None, [R(2, 3, 8, 8, strided=True), [2, 2], [], [0, 0], False, True, 3], 1e-6)
case('avg_pool2d', None, [R(3, 7, 5, dtype=f64), [3, 3], [1, 2], [1, 0], True, True, None], 1e-15)
case('avg_pool1d', None, [R(2, 3, 11), [3], [2], [1], True, False])
err('avg_pool2d', None, [R(1, 2, 9, 9), [2, 2], [2, 2], [0, 0], False, True, 0], 'VALUE', 'divisor must be not zero')
err('avg_pool2d', None, [R(1, 2, 9, 9), [2, 2], [2, 2], [2, 0]], 'VALUE', 'pad should be smaller than or equal to half')
# adaptive_avg_pool2d(self, output_size)
case('adaptive_avg_pool2d', None, [R(2, 3, 7, 7), [1, 1]], 1e-6)
case('adaptive_avg_pool2d', None, [R(2, 3, 7, 5), [3, 2]], 1e-6)
case('adaptive_avg_pool2d', None, [R(3, 2, 3), [4, 5]], 1e-6)
case('adaptive_avg_pool2d', None, [R(1, 2, 6, 6, strided=True), [2, 3]], 1e-6)
case('adaptive_avg_pool2d', None, [R(1, 2, 6, 5, dtype=f64), [4, 3]], 1e-15)
case('adaptive_avg_pool1d', None, [R(2, 3, 10), [4]], 1e-6)
case('adaptive_avg_pool1d', None, [R(3, 10), [1]], 1e-6)
case('adaptive_avg_pool2d', None, [R(2, 2, 3, 5, 4), [1, 1]], 1e-6)  # PyTorch's mean fast path: any rank
case('adaptive_avg_pool2d', None, [R(5, 4), [1, 1]], 1e-6)
err('adaptive_avg_pool2d', None, [R(5, 5), [2, 2]], 'SHAPE', 'Expected 3D or 4D tensor')
err('adaptive_avg_pool2d', None, [R(5), [1, 1]], 'SHAPE', 'dimension out of range')
err('adaptive_avg_pool2d', None, [R(1, 2, 0, 5), [2, 2]], 'SHAPE', 'non-zero size for non-batch dimensions')
err('adaptive_avg_pool2d', None, [R(1, 2, 5, 5), [-1, 1]], 'VALUE', 'must be greater than or equal to 0')

# ---- in-place hard activations ----
x = T(torch.tensor([[-4., -3., -1.5, -0., 0., 0.5], [2.9, 3., 3.5, 100., float('nan'), -1e30]]))
case('hardswish_', None, [x])
case('hardsigmoid_', None, [x])

# ---- reached by training branches (stochastic depth); the sampling itself
# is tested in test_random.c ----
err('bernoulli_', 'float', [R(3), 1.5], 'VALUE', 'expects p to be in [0, 1]')

# ---- convolutions PyTorch runs with oneDNN (batch > 1, kernel > 3x3 or more
# than 20480 input elements), groups 1: kernels/x86 on AVX-512 machines. Its
# edges: output channels not a multiple of its 8-row blocks, planes not a
# multiple of its 16-lane vectors, padding on every side, the in-row layout
# (OW != W), stride 2 and short rows (im2col), dilation, 1-d. Last in the
# file so the cases above keep their random values.
case('conv2d', None, [R(2, 5, 7, 9), R(13, 5, 3, 3), R(13), [1, 1], [1, 1], [1, 1], 1])
case('conv2d', None, [R(2, 6, 5, 34), R(10, 6, 3, 3), R(10), [1, 1], [1, 0], [1, 1], 1])  # rows of 32
case('conv2d', None, [R(2, 9, 11, 13), R(17, 9, 3, 3), R(17), [2, 2], [1, 1], [1, 1], 1])  # stride 2
case('conv2d', None, [R(2, 9, 12, 7), R(7, 9, 3, 3), None, [2, 1], [0, 1], [1, 1], 1])  # row stride 2
case('conv2d', None, [R(2, 4, 10, 11), R(9, 4, 3, 3), None, [1, 1], [2, 2], [2, 2], 1])  # dilation
case('conv2d', None, [R(2, 16, 9, 9), R(20, 16, 1, 1), None, [2, 2], [0, 0], [1, 1], 1])  # 1x1 stride 2
case('conv2d', None, [R(1, 6, 12, 20), R(7, 6, 5, 5), R(7), [1, 1], [2, 2], [1, 1], 1])  # 5x5
case('conv2d', None, [R(1, 21, 31, 32), R(5, 21, 3, 3), R(5), [1, 1], [1, 1], [1, 1], 1])  # > 20480 elements
case('conv1d', None, [R(2, 6, 40), R(5, 6, 3), R(5), [1], [1], [1], 1])

# _convolution as traces record it, transposed (groups, output_padding,
# dilation) and 3-d: tensor_conv3.c's reference code. Last, as above.
case('_convolution', None, [R(2, 4, 5, 6), R(4, 3, 3, 2), R(6), [2, 1], [1, 0], [1, 2], True, [1, 0], 2,
                            False, False, True, True], tol=1e-5)
case('_convolution', None, [R(1, 2, 4, 5, 3), R(3, 2, 2, 3, 2), R(3), [1, 2, 1], [1, 0, 1], [1, 1, 2], False,
                            [0, 0, 0], 1, False, False, True, True], tol=1e-5)

out = []


def fval(v):
    if math.isnan(v):
        return 'NAN'
    if math.isinf(v):
        return 'INFINITY' if v > 0 else '-INFINITY'
    m, e = float.hex(v).split('p')
    return m.rstrip('0').rstrip('.') + 'p' + e


counter = [0]


def emit_tensor(t, strided=False, mag=None):
    counter[0] += 1
    n = counter[0]
    mv = 'NULL'
    if mag is not None and mag.numel():
        out.append('static const double cc_m%d[] = {%s};' % (n, ', '.join(fval(v) for v in mag.reshape(-1).tolist())))
        mv = 'cc_m%d' % n
    flat = t.detach().reshape(-1)
    fv = iv = 'NULL'
    if flat.numel():
        if t.dtype.is_floating_point:
            out.append('static const double cc_f%d[] = {%s};' % (n, ', '.join(fval(v) for v in flat.double().tolist())))
            fv = 'cc_f%d' % n
        else:
            out.append('static const int64_t cc_i%d[] = {%s};' % (n, ', '.join('%dLL' % v for v in flat.long().tolist())))
            iv = 'cc_i%d' % n
    shape = ', '.join(str(s) for s in t.shape) or '0'
    return '{%d, %d, {%s}, %d, %s, %s, 0x0p+0, %s}' % (DT[t.dtype], t.dim(), shape, int(strided), fv, iv, mv)


def emit_arg(a):
    if isinstance(a, TArg):
        return "{.kind = 't', .t = %s}" % emit_tensor(a.t, a.strided)
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
        name = 'cc_l%d' % counter[0]
        out.append('static const int64_t %s[] = {%s};' % (name, ', '.join('%dLL' % v for v in a) if a else '0'))
        return "{.kind = 'l', .n = %d, .list = %s}" % (len(a), name)
    raise TypeError(a)


rows = []
for c in cases:
    args = [emit_arg(a) for a in c['args']]
    counter[0] += 1
    an = 'cc_a%d' % counter[0]
    out.append('static const ArgSpec %s[] = {%s};' % (an, ', '.join(args)))
    ov = '"%s"' % c['overload'] if c['overload'] else '""'
    name = '"aten::%s"' % c['name']
    if 'status' in c:
        rows.append('    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = \'e\', .status = TS_ERR_%s, '
                    '.msg = "%s"},' % (name, ov, len(args), an, c['status'], c['msg'].replace('"', '\\"')))
        continue
    counter[0] += 1
    on = 'cc_o%d' % counter[0]
    out.append('static const TSpec %s[] = {%s};' % (on, emit_tensor(c['res'], mag=c['mag'])))
    rows.append("    {.name = %s, .overload = %s, .nargs = %d, .args = %s, .expect = 't', .nout = 1, .outs = %s, "
                ".tol = %s, .terms = %d, .alias = %d}," % (name, ov, len(args), an, on, float.hex(float(c['tol'])),
                                                           c['terms'], c['alias']))

print('/* Generated by tests/unit/gen/gen_conv_cases.py from PyTorch %s: do not edit. */' % torch.__version__)
print('\n'.join(out))
print('static const OpCase conv_cases[] = {')
print('\n'.join(rows))
print('};')
