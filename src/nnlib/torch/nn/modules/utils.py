# tscript nnlib: torch.nn.modules.utils (_single, _pair, _triple, _quadruple,
# _reverse_repeat_tuple, _list_with_default).
#
# Where it sits: constructors (conv, pooling, padding) call these while the evaluator builds
# the module tree. Inside TorchScript code (F's functions) PyTorch maps _single/_pair/_triple/
# _quadruple and _list_with_default to the builtin ops aten::_single/_pair/_triple/_quadruple
# and aten::list_with_default; the frontend must do the same, so these bodies never compile.
# Invariant: the same results as PyTorch's versions for ints, floats, lists and tuples.
from typing import List


def _ntuple_of(x, n):
    # A tuple of n copies of x, or tuple(x) when x is already a sequence.
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return tuple([x for _ in range(n)])


def _single(x):
    return _ntuple_of(x, 1)


def _pair(x):
    return _ntuple_of(x, 2)


def _triple(x):
    return _ntuple_of(x, 3)


def _quadruple(x):
    return _ntuple_of(x, 4)


def _reverse_repeat_tuple(t, n):
    # Reverse t and repeat each element n times: conv padding (pH, pW) -> F.pad's
    # (pW, pW, pH, pH).
    return tuple([x for x in reversed(t) for _ in range(n)])


def _list_with_default(out_size: List[int], defaults: List[int]) -> List[int]:
    if isinstance(out_size, int):
        return out_size
    if len(defaults) <= len(out_size):
        raise ValueError("Input dimension should be at least {}".format(len(out_size) + 1))
    tail = defaults[-len(out_size):]
    return [v if v is not None else d for v, d in zip(out_size, tail)]
