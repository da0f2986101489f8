# inputs: 1
# expect: (0.125, 5, -0.5, 1.5, 7)
# A default written as arithmetic on number literals (F.rrelu's `1. / 8`) is a
# constant, as Python evaluates it once.
from typing import Tuple

import torch
import torch.nn as nn


def defaults(a: float = 1. / 8, b: int = 2 * 3 - 1, c: float = -1 / 2, d: float = 3 * 0.5,
             e: int = -2 + 9) -> Tuple[float, int, float, float, int]:
    return a, b, c, d, e


class Net(nn.Module):
    def forward(self, n: int):
        return defaults()
