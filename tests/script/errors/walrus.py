# tscript: class=Net
# expect error: walrus.py:9:13: error: assignment expressions (:=) are not supported in TorchScript: assign on a line of its own first
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if (n := x.size(0)) > 2:
            return x * n
        return x
