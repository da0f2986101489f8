# tscript: class=Net
# expect error: set_literal.py:9:16: error: sets are not supported in TorchScript: use a list
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        dims = {0, 1}
        return x.sum(len(dims))
