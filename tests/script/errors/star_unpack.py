# tscript: class=Net
# expect error: star_unpack.py:9:24: error: cannot statically infer the expected size of a list in this context: starred assignment is not supported in TorchScript; index instead (first = xs[0], rest = xs[1:])
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        first, *rest = x.unbind(0)
        return first
