# tscript: class=Net inputs="randn:4,6"
# List comprehensions: over a range with a step, over a list of tensors.
from typing import List

import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        parts = [x[i] * (i + 1) for i in range(x.size(0))]
        squares = [i * i for i in range(0, 6, 2)]
        pos = [torch.relu(p) for p in parts]
        total = torch.stack(pos).sum(0)
        return total + torch.tensor(squares[:1] + squares[1:], dtype=x.dtype).sum()
