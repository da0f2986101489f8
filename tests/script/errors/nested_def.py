# tscript: class=Net
# expect error: nested_def.py:9:9: error: function definitions are not supported inside a TorchScript function: define double at module level
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        def double(v):
            return v * 2
        return double(x)
