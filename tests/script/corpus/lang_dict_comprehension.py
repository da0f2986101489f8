# tscript: class=Net inputs="randn:3,4"
# A dict comprehension and iteration over its items.
from typing import Dict

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        scales: Dict[str, float] = {"k" + str(i): float(i) * 0.5 for i in range(1, 4)}
        out = torch.zeros_like(x)
        for key, s in scales.items():
            out = out + x * s * len(key)
        return out
