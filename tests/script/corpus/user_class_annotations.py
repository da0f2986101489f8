# tscript: class=Head args="10, 4" inputs="randn:3,10"
# Class-level annotations of attributes (int, List[int], Optional[Tensor]).
from typing import List, Optional

import torch
import torch.nn as nn


class Head(nn.Module):
    num_classes: int
    dims: List[int]
    temperature: Optional[torch.Tensor]

    def __init__(self, dim, num_classes):
        super().__init__()
        self.num_classes = num_classes
        self.dims = [dim, num_classes]
        self.fc = nn.Linear(dim, num_classes)
        self.temperature = None

    def forward(self, x):
        y = self.fc(x)
        t = self.temperature
        if t is not None:
            y = y / t
        return y.log_softmax(dim=-1) * self.dims[1] / self.num_classes
