# tscript: class=Net
# expect error: range_as_value.py:10:24: error: range cannot be used as a value: use it directly in a for loop (for i in range(n):), or make a list with a comprehension ([i for i in range(n)])
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        r = range(3)
        return x * len(r)
