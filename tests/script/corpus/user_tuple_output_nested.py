# tscript: class=Net inputs="randn:3,6"
# Returns a nested tuple with a Tensor, an int and a float.
from typing import Tuple

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 4)

    def forward(self, x) -> Tuple[torch.Tensor, Tuple[torch.Tensor, int, float]]:
        y = self.fc(x)
        return y, (y.argmax(dim=1), y.size(1), float(y.abs().sum()))
