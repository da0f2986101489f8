# tscript: class=Net
# expect error: try_except.py:9:9: error: try blocks are not supported in TorchScript (exceptions can be raised, not caught): test the condition with an if instead
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        try:
            y = x * 2
        except RuntimeError:
            y = x
        return y
