# tscript: class=Net
# expect error: optional_attribute_method.py:10:20: error: 'Optional[Tensor]' object has no attribute or method 'sum': 'b' may be None; refine it first with 'if b is not None:'
import torch
import torch.nn as nn
from typing import Optional


class Net(nn.Module):
    def forward(self, x, b: Optional[torch.Tensor] = None):
        return x * b.sum()
