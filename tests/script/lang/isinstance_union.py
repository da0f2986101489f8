# inputs: 3
# expect: (30.0, 2.5, 5.0, 7.0, 1, 6)
# isinstance refines both branches: in the false one a Union keeps its other
# members (Union[int, float] minus int is float), and a name refined
# differently in each branch merges back into its declared Union.
from typing import Optional, Union

import torch
import torch.nn as nn


def as_float(v: Union[int, float]) -> float:
    if isinstance(v, int):
        return float(v) * 10.0
    return v


def halve_floats(v: Union[int, float]) -> float:
    if not isinstance(v, float):
        return float(v) + 2.0
    return v * 2.0


def count(v: Optional[int]) -> int:
    if isinstance(v, int):
        return v
    return 1


def merged(v: Union[int, float], k: int) -> int:
    if isinstance(v, int):
        v = v * 2
    else:
        v = v + 1.0
    if isinstance(v, int):
        return v + k - k
    return 0


class Net(nn.Module):
    def forward(self, n: int):
        return as_float(n), as_float(2.5), halve_floats(n), halve_floats(3.5), count(None), merged(n, 1)
