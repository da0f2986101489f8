# tscript: class=Net
# expect error: optional_unrefined.py:10:16: error: expected a value of type 'Tensor' for argument 'other' but instead found type 'Optional[Tensor]': refine it first with 'if b is not None:'
import torch
import torch.nn as nn
from typing import Optional


class Net(nn.Module):
    def forward(self, x, b: Optional[torch.Tensor] = None):
        return x + b
