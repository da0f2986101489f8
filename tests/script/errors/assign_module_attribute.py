# tscript: class=Net
# expect error: assign_module_attribute.py:13:9: error: tried to set nonexistent attribute 'fc' of module 'Net': create it in __init__
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.count = 0

    def forward(self, x):
        self.fc = x
        return x
