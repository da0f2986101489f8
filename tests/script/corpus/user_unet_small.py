# tscript: class=UNet args="in_channels=1, out_channels=2, base=8, depth=2" inputs="randn:1,1,16,16"
# A small U-Net: down and up paths in ModuleLists, skips kept in a List[Tensor].
from typing import List

import torch
import torch.nn as nn


def double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, in_channels=3, out_channels=1, base=16, depth=3):
        super().__init__()
        self.downs = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.convs = nn.ModuleList()
        ch = in_channels
        widths = [base * 2 ** i for i in range(depth)]
        for w in widths:
            self.downs.append(double_conv(ch, w))
            ch = w
        self.pool = nn.MaxPool2d(2)
        self.bottom = double_conv(ch, ch * 2)
        ch = ch * 2
        for w in reversed(widths):
            self.ups.append(nn.ConvTranspose2d(ch, w, 2, stride=2))
            self.convs.append(double_conv(w * 2, w))
            ch = w
        self.out = nn.Conv2d(ch, out_channels, 1)

    def forward(self, x):
        skips: List[torch.Tensor] = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        skips = skips[::-1]
        for i, (up, conv) in enumerate(zip(self.ups, self.convs)):
            x = up(x)
            x = conv(torch.cat([x, skips[i]], dim=1))
        return self.out(x)
