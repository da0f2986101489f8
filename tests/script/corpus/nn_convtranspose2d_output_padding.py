# tscript: class=Net inputs="randn:1,4,6,6"
# nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return self.m(x)
