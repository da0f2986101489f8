# tscript: class=Net inputs="randn:2,9,2,3"
# nn.PixelShuffle(upscale_factor=3)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.PixelShuffle(upscale_factor=3)

    def forward(self, x):
        return self.m(x)
