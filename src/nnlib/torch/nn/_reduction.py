# tscript nnlib: torch.nn._reduction, the loss functions' reduction argument as the enum the
# ops take, and the legacy size_average/reduce pair as a reduction string.
#
# Where it sits: F's loss functions call these inside TorchScript (they print into an
# archive as __torch__.torch.nn._reduction.get_enum & co.); the loss modules' constructors
# call legacy_get_string in the evaluator. Checked against PyTorch 1.13 by
# tests/nnlib/test_nnlib_cpython.py (through the loss modules and F).
import warnings
from typing import Optional


def get_enum(reduction: str) -> int:
    # none = 0, mean = 1, sum = 2.
    if reduction == 'none':
        ret = 0
    elif reduction == 'mean':
        ret = 1
    elif reduction == 'elementwise_mean':
        warnings.warn("reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.")
        ret = 1
    elif reduction == 'sum':
        ret = 2
    else:
        ret = -1  # TorchScript needs ret bound on every path.
        raise ValueError("{} is not a valid value for reduction".format(reduction))
    return ret


def legacy_get_string(size_average: Optional[bool], reduce: Optional[bool], emit_warning: bool = True) -> str:
    # The old (size_average, reduce) pair: both default to True; reduce=False means 'none'.
    warning = "size_average and reduce args will be deprecated, please use reduction='{}' instead."

    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True

    if size_average and reduce:
        ret = 'mean'
    elif reduce:
        ret = 'sum'
    else:
        ret = 'none'
    if emit_warning:
        warnings.warn(warning.format(ret))
    return ret


def legacy_get_enum(size_average: Optional[bool], reduce: Optional[bool], emit_warning: bool = True) -> int:
    return get_enum(legacy_get_string(size_average, reduce, emit_warning))
