# tscript: class=Net inputs="randn:1,2,4,4"
# nn.Upsample(size=(7, 9), mode='bilinear', align_corners=True)
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Upsample(size=(7, 9), mode='bilinear', align_corners=True)

    def forward(self, x):
        return self.m(x)
