# tscript: class=Net inputs="randn:2,6"
# nn.ModuleList grown with append and iterated with enumerate
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        for i in range(3):
            self.layers.append(nn.Linear(6, 6, bias=i != 1))

    def forward(self, x):
        out = x
        for i, layer in enumerate(self.layers):
            out = layer(out) * (i + 1)
        return out
