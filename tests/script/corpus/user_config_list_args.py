# tscript: class=ConvStack args="[(3, 8, 3), (8, 8, 5), (8, 4, 1)]" inputs="randn:1,3,12,12"
# A list of tuples as the constructor argument, unpacked in a comprehension.
import torch
import torch.nn as nn


class ConvStack(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(cin, cout, k, padding=k // 2)
                                    for cin, cout, k in spec])

    def forward(self, x):
        for conv in self.convs:
            x = torch.relu(conv(x))
        return x
