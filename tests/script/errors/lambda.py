# tscript: class=Net
# expect error: lambda.py:9:13: error: lambda is not supported in TorchScript: define a function at module level
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        f = lambda v: v * 2
        return f(x)
