# tscript: class=Net
# expect error: comprehension_if.py:9:14: error: comprehension ifs are not supported in TorchScript: filter inside a for loop instead
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        xs = [i for i in range(6) if i % 2 == 0]
        return x * len(xs)
