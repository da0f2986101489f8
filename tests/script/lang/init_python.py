# args: 3, 4, "net", depth=2, extra=(5, 6)
# inputs: 2
# expect: (2, 'net:3x4', [3, 4, 5, 6], {'a': 1, 'b': 4}, 'w0=9 w1=16', 7.5, True)
# The evaluator runs the Python constructors are written in: keyword arguments and
# defaults, *args, tuples, comprehensions, f-strings, str.format, math, loops, dicts.
import math
from typing import Dict, List

import torch
import torch.nn as nn

SCALE = 2.5


def squares(xs):
    return [x * x for x in xs]


class Net(nn.Module):
    def __init__(self, a, b, name="m", *args, depth: int = 1, extra=(), **kw):
        super().__init__()
        self.depth = depth
        self.tag = f"{name}:{a}x{b}"
        self.sizes: List[int] = [a, b] + list(extra)
        self.table: Dict[str, int] = {k: v * v for k, v in zip(["a", "b"], [1, 2])}
        sq = squares([a, b])
        self.desc = " ".join("w{}={}".format(i, s) for i, s in enumerate(sq))
        self.scale = SCALE * math.floor(math.sqrt(a + 1 + 5))
        self.flag = all(s > 0 for s in self.sizes) and not kw

    def forward(self, n: int):
        return self.depth * n // 2, self.tag, self.sizes, self.table, self.desc, self.scale, self.flag
