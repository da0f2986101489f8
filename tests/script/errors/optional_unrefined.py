# tscript: class=Net
# expect error: optional_unrefined.py:10:16: error: unsupported operand types for +: Tensor and Optional[Tensor]: 'b' may be None; refine it first with 'if b is not None:'
import torch
import torch.nn as nn
from typing import Optional


class Net(nn.Module):
    def forward(self, x, b: Optional[torch.Tensor] = None):
        return x + b
