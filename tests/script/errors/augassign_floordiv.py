# tscript: class=Net
# expect error: augassign_floordiv.py:10:12: error: augmented assignment with '//=' is not supported in TorchScript: write 'i = i // 2'
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        i = x.size(0)
        i //= 2
        return x * i
