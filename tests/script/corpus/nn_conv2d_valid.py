# tscript: class=Net inputs="randn:1,3,7,9"
# nn.Conv2d(3, 4, kernel_size=3, padding='valid')
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Conv2d(3, 4, kernel_size=3, padding='valid')

    def forward(self, x):
        return self.m(x)
