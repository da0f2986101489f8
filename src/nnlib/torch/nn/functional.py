# tscript nnlib: torch.nn.functional (F), the functions nn modules' forwards call.
#
# Where it sits: TorchScript source shipped inside tscript; the frontend compiles these
# functions like user code when a forward calls them, and they print into an archive as
# __torch__.torch.nn.functional.<name>, as PyTorch's do. The same file is CPython over real
# torch; tests/nnlib/test_nnlib_cpython.py compares each function (its scripted code and its
# outputs) with PyTorch 1.13's.
# Invariants:
# - A name PyTorch binds directly to a builtin op (F.linear is torch._C._nn.linear, F.conv2d
#   is torch.conv2d, ...) is bound to the same builtin here, so a call prints as the op
#   (`torch.linear(...)`), not as a function call.
# - A name PyTorch defines in Python is defined here with the same signature (names, types,
#   defaults) and the same ops in the same order, so its scripted code is PyTorch's. The
#   __torch_function__ override checks PyTorch's versions start with are left out: TorchScript
#   drops them, so they never show in the scripted code.
# - Functions whose result type depends on a bool argument (max_pool*d's return_indices) are
#   built with torch._jit_internal.boolean_dispatch, as in PyTorch.
import math
import warnings
from typing import Callable, List, Optional, Tuple, Union

import torch
from torch import Tensor
from torch import _VF
from torch._jit_internal import boolean_dispatch, BroadcastingList1, BroadcastingList2, BroadcastingList3
from torch.nn.modules.utils import _single, _pair, _triple, _list_with_default


# ---------------------------------------------------------------- builtin ops bound by name
linear = torch._C._nn.linear
bilinear = torch.bilinear

# ---------------------------------------------------------------- activations

def _threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    if inplace:
        result = _VF.threshold_(input, threshold, value)
    else:
        result = _VF.threshold(input, threshold, value)
    return result


threshold = _threshold
threshold_ = _VF.threshold_


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        result = torch.relu_(input)
    else:
        result = torch.relu(input)
    return result


relu_ = torch.relu_


def glu(input: Tensor, dim: int = -1) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return torch._C._nn.glu(input, dim)


def hardtanh(input: Tensor, min_val: float = -1., max_val: float = 1., inplace: bool = False) -> Tensor:
    if inplace:
        result = torch._C._nn.hardtanh_(input, min_val, max_val)
    else:
        result = torch._C._nn.hardtanh(input, min_val, max_val)
    return result


hardtanh_ = torch._C._nn.hardtanh_


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        result = torch._C._nn.relu6_(input)
    else:
        result = torch._C._nn.relu6(input)
    return result


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    if inplace:
        result = torch._C._nn.elu_(input, alpha)
    else:
        result = torch._C._nn.elu(input, alpha)
    return result


elu_ = torch._C._nn.elu_


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        result = torch.selu_(input)
    else:
        result = torch.selu(input)
    return result


selu_ = torch.selu_


def celu(input: Tensor, alpha: float = 1., inplace: bool = False) -> Tensor:
    if inplace:
        result = torch.celu_(input, alpha)
    else:
        result = torch.celu(input, alpha)
    return result


celu_ = torch.celu_


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    if inplace:
        result = torch._C._nn.leaky_relu_(input, negative_slope)
    else:
        result = torch._C._nn.leaky_relu(input, negative_slope)
    return result


leaky_relu_ = torch._C._nn.leaky_relu_
prelu = torch.prelu


def rrelu(input: Tensor, lower: float = 1. / 8, upper: float = 1. / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    if inplace:
        result = torch.rrelu_(input, lower, upper, training)
    else:
        result = torch.rrelu(input, lower, upper, training)
    return result


rrelu_ = torch.rrelu_
logsigmoid = torch._C._nn.log_sigmoid
gelu = torch._C._nn.gelu
hardshrink = torch.hardshrink


def tanhshrink(input):
    return input - input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


softplus = torch._C._nn.softplus


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    # The dimension softmax & co. pick when none is given (deprecated in PyTorch, with a warning).
    warnings.warn(
        "Implicit dimension choice for {} has been deprecated. "
        "Change the call to include dim=X as an argument.".format(name),
        stacklevel=stacklevel,
    )
    if ndim == 0 or ndim == 1 or ndim == 3:
        ret = 0
    else:
        ret = 1
    return ret


def softmin(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype: Optional[int] = None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    if dtype is None:
        ret = (-input).softmax(dim)
    else:
        ret = (-input).softmax(dim, dtype=dtype)
    return ret


def softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
            dtype: Optional[int] = None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is None:
        ret = input.softmax(dim)
    else:
        ret = input.softmax(dim, dtype=dtype)
    return ret


def log_softmax(input: Tensor, dim: Optional[int] = None, _stacklevel: int = 3,
                dtype: Optional[int] = None) -> Tensor:
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is None:
        ret = input.log_softmax(dim)
    else:
        ret = input.log_softmax(dim, dtype=dtype)
    return ret


softshrink = torch._C._nn.softshrink


def tanh(input):
    return input.tanh()


def sigmoid(input):
    return input.sigmoid()


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return torch._C._nn.hardsigmoid_(input)
    return torch._C._nn.hardsigmoid(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return torch._C._nn.silu_(input)
    return torch._C._nn.silu(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return torch._C._nn.mish_(input)
    return torch._C._nn.mish(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    if inplace:
        return torch._C._nn.hardswish_(input)
    return torch._C._nn.hardswish(input)


# ---------------------------------------------------------------- convolution, padding
conv1d = torch.conv1d
conv2d = torch.conv2d
conv3d = torch.conv3d
conv_transpose1d = torch.conv_transpose1d
conv_transpose2d = torch.conv_transpose2d
conv_transpose3d = torch.conv_transpose3d
conv_tbc = torch.conv_tbc
pad = torch._C._nn.pad
