# tscript: class=Net
# expect error: for_else.py:9:9: error: else branches of for loops are not supported in TorchScript: set a flag before break and test it after the loop
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        for i in range(3):
            x = x + i
        else:
            x = x * 2
        return x
