# tscript: class=Net
# expect error: mismatched_returns.py:11:9: error: previous return statement returned a value of type Tensor but this return statement returns a value of type int: return one type on every path
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        if bool(x.sum() > 0):
            return x
        return 1
