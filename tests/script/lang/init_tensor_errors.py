# args: 3
# inputs: 1
# expect error: init_tensor_errors.py:13:9: error: IndexError: too many indices for tensor of dimension 2
# A tensor index the evaluator cannot apply fails at its place, as Python would.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        w = torch.zeros(n, 2)
        w[0, 1, 2] = 1.0
        self.register_buffer("w", w)

    def forward(self, x: int):
        return x
