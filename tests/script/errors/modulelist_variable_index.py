# tscript: class=Net
# expect error: modulelist_variable_index.py:14:17: error: ModuleList and Sequential can only be indexed by an integer literal: iterate instead (for i, layer in enumerate(self.layers):)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])

    def forward(self, x):
        for i in range(2):
            x = self.layers[i](x)
        return x
