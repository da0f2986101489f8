# tscript: class=Net inputs="randn:3,6"
# nn.GRUCell without the initial state
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(6, 8)

    def forward(self, x):
        return self.cell(x)
