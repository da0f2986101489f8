# tscript: class=Net
# expect error: undefined_name.py:9:20: error: undefined name 'y'
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return x + y
