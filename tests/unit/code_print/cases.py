# Sources for test_code_print.c: each function is scripted by PyTorch 1.13
# (gen/gen_code_print.py writes expected.txt from fn.code) and by tscript,
# whose code printer must print the same text.
from typing import Dict, List, Optional, Tuple
import torch
from torch import Tensor


def arith(x: Tensor, y: Tensor) -> Tensor:
    return torch.add(x, y, alpha=2) * 2.0 - torch.relu(x)


def control(x: Tensor, n: int) -> Tensor:
    y = x
    for i in range(n):
        if i % 2 == 0:
            y = y + 1.0
        else:
            y = y * 2.0
    while n > 0:
        n -= 1
        y = torch.relu(y)
    return y


def optional(x: Tensor, b: Optional[Tensor]) -> Tensor:
    if b is not None:
        return x + b
    return x


def lists(x: Tensor, k: int) -> List[int]:
    out: List[int] = []
    for v in [1, 2, 3]:
        out.append(v * k)
    if k in out:
        out.append(len(out))
    return out


def dicts(x: Tensor) -> Dict[str, Tensor]:
    d: Dict[str, Tensor] = {}
    d["a"] = x
    d["b"] = torch.neg(x)
    return d


def tuples(x: Tensor) -> Tuple[Tensor, int]:
    a, b = x, 3
    t = (a, b)
    return t


def raises(x: Tensor) -> Tensor:
    if x.dim() != 4:
        raise ValueError("expected 4D input (got {}D input)".format(x.dim()))
    return x


def long_lines(input: Tensor, weight: Tensor) -> Tensor:
    return torch.conv2d(input, weight, None, [1, 1], [0, 0], [1, 1], 1) + torch.flatten(input, 1).sum()


def constants(x: Tensor) -> Tensor:
    s = "a long string constant that is hoisted to the top of the function"
    y = torch.zeros([2, 3], dtype=torch.float64)
    if len(s) > 3:
        y = y + float("inf")
    return x.sum() + y.sum() - 1e-05


def helper(x: Tensor, k: int = 2) -> Tensor:
    return x * k


def calls(x: Tensor) -> Tensor:
    return helper(x) + helper(x, 3)


def strings(a: int, s: str) -> str:
    t = "{} and {}".format(a, s)
    return t + "!" + str(a)


def keywords(x: Tensor) -> Tensor:
    y = torch.sum(x, dim=[1], keepdim=True)
    z = torch.div(x, 2, rounding_mode="floor")
    return torch.cat([y, z], 1)


def indexing(x: Tensor, xs: List[int]) -> int:
    t = (x, xs[0])
    u = t[1] + xs[-1]
    return u + x.size(0)


def booleans(x: Tensor, a: bool, b: bool) -> bool:
    return (a and b) or not a
