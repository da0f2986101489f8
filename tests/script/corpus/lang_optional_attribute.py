# tscript: class=Net args="True" inputs="randn:2,4"
# An Optional[Tensor] attribute refined through a local copy.
from typing import Optional

import torch
import torch.nn as nn


class Net(nn.Module):
    offset: Optional[torch.Tensor]

    def __init__(self, with_offset: bool):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.offset = torch.linspace(-1.0, 1.0, 4) if with_offset else None

    def forward(self, x):
        y = self.fc(x)
        off = self.offset
        if off is not None:
            y = y + off
        return y
