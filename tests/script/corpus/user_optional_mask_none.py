# tscript: class=MaskedMean args="8" inputs="randn:3,5,8 None"
# An Optional[Tensor] argument refined with `is not None`; called with None.
from typing import Optional

import torch
import torch.nn as nn


class MaskedMean(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.proj(x)
        if mask is not None:
            m = mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return h.mean(1)
