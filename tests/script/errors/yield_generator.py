# tscript: class=Net
# expect error: yield_generator.py:9:9: error: yield is not supported in TorchScript: build a list and return it
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        yield x
