# tscript: class=Net inputs="randn:3,6 randn:3,5"
# nn.Bilinear with two inputs
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Bilinear(6, 5, 4)

    def forward(self, x1, x2):
        return self.m(x1, x2)
