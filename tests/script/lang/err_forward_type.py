# expect error: err_forward_type.py:12:16: error: unsupported operand types for +: Tensor and str
# forward is compiled with TorchScript's rules: a type error there is a compile error.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, x: torch.Tensor):
        return x + "a"
