# tscript: class=Net inputs="randn:1,4,7,7"
# nn.ConvTranspose2d called with an output_size list
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)

    def forward(self, x):
        return self.m(x, output_size=[14, 14])
