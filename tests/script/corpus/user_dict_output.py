# tscript: class=MultiHead args="12" inputs="randn:4,12"
# Returns Dict[str, Tensor] (outputs in insertion order).
from typing import Dict

import torch
import torch.nn as nn


class MultiHead(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(dim, 16), nn.ReLU())
        self.cls = nn.Linear(16, 3)
        self.box = nn.Linear(16, 4)

    def forward(self, x) -> Dict[str, torch.Tensor]:
        h = self.trunk(x)
        out: Dict[str, torch.Tensor] = {}
        out["logits"] = self.cls(h)
        out["boxes"] = self.box(h).sigmoid()
        out["score"] = out["logits"].softmax(-1).max(dim=-1)[0]
        return out
