# tscript: class=Pyramid args="4" inputs="randn:1,4,16,16"
# Returns List[Tensor]: a feature pyramid.
from typing import List

import torch
import torch.nn as nn


class Pyramid(nn.Module):
    def __init__(self, ch: int, levels: int = 3):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(ch, ch, 3, stride=2, padding=1)
                                    for _ in range(levels)])

    def forward(self, x) -> List[torch.Tensor]:
        feats: List[torch.Tensor] = []
        for conv in self.convs:
            x = torch.relu(conv(x))
            feats.append(x)
        return feats
