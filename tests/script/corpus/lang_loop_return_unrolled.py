# tscript: class=Net inputs="randn:2,3"
# Returns inside unrolled loops (a ModuleList and a tuple of mixed types):
# after a copy of the body that may have returned, the next copies run only
# when it did not (PyTorch's exit transform over the unrolled body).
from typing import List, Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3)])

    def pick(self, x: torch.Tensor, t: float) -> Tuple[torch.Tensor, int]:
        k = 0
        for m in self.layers:
            x = m(x)
            if float(x.sum()) > t:
                return x, k
            k += 1
        for v in (1, 2.5, 3):
            if v > t:
                return x * v, -1
        return x * 2, k

    def forward(self, x):
        outs: List[torch.Tensor] = []
        ks: List[int] = []
        for i in range(-16, 17):
            y, k = self.pick(x, i * 0.25)
            outs.append(y)
            ks.append(k)
        return torch.stack(outs), ks
