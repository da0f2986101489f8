# tscript: class=Net
# expect error: math_unsupported.py:10:20: error: math.log2 is not supported in TorchScript: write math.log(x, 2)
import torch
import torch.nn as nn
import math


class Net(nn.Module):
    def forward(self, x):
        return x * math.log2(8.0)
