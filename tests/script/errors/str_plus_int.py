# tscript: class=Net
# expect error: str_plus_int.py:9:13: error: unsupported operand types for +: str and int: convert the number with str(), or use an f-string
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        s = "n=" + 3
        return x
