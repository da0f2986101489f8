# tscript: class=Net inputs="randn:2,3,5,4"
# nn.Upsample(size=(7, 9), mode='bicubic', align_corners=True), and F.interpolate with a scale per axis
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Upsample(size=(7, 9), mode='bicubic', align_corners=True)

    def forward(self, x):
        return self.m(x), F.interpolate(x, scale_factor=(2.0, 0.5), mode='bicubic', align_corners=False)
