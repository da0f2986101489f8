# tscript: inputs="randn:4,10 None"
# Optional[int] with a default, refined with `is None`, and `Class` omitted
# from the header (the file defines one nn.Module subclass).
from typing import Optional

import torch
import torch.nn as nn


class TopK(nn.Module):
    def __init__(self, default_k: int = 3):
        super().__init__()
        self.default_k = default_k
        self.fc = nn.Linear(10, 10)

    def forward(self, x, k: Optional[int] = None):
        if k is None:
            k = self.default_k
        values, indices = torch.topk(self.fc(x), k, dim=1)
        return values, indices
