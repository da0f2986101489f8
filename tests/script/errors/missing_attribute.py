# tscript: class=Net
# expect error: missing_attribute.py:9:16: error: module 'Net' has no attribute 'missing'
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return self.missing(x)
