# tscript: class=Net
# expect error: recursion.py:10:16: error: function 'fact' is called recursively: TorchScript does not support recursion; write a loop
import torch
import torch.nn as nn


def fact(n: int) -> int:
    if n <= 1:
        return 1
    return n * fact(n - 1)


class Net(nn.Module):
    def forward(self, x):
        return x * fact(4)
