# tscript: class=Net inputs="randn:2,4,5,5"
# nn.PReLU(num_parameters=4, init=0.1)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.PReLU(num_parameters=4, init=0.1)

    def forward(self, x):
        return self.m(x)
