# inputs: 2 None
# expect: (3, 0, False, 'n=2')
# Optional refinement (is None / is not None, isinstance, assert, and/or), f-strings and
# comprehensions in compiled code, a free function of the model file, a module constant.
from typing import List, Optional

import torch
import torch.nn as nn



def bump(x: int) -> int:
    return x + 1


class Net(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, n: int, m: Optional[int]):
        k = m if m is not None else 0
        ok = m is not None and m > 1
        squares = [i * i for i in range(1, n)]
        if m is None:
            m = 2
        assert m is not None
        return bump(n), k, ok, f"n={len(squares) + m - 1}"
