# tscript: class=Net inputs="randn:2,3,6,6"
# nn.Sequential built from an OrderedDict (named children)
from collections import OrderedDict

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Sequential(OrderedDict([
            ('conv', nn.Conv2d(3, 6, 3, padding=1)),
            ('bn', nn.BatchNorm2d(6)),
            ('act', nn.ReLU()),
        ]))

    def forward(self, x):
        return self.m(x)
