# tscript: class=Net inputs="randn:2,4" seed=4
# Slices of containers in a constructor: a Sequential split in two (children keep their
# names), every other layer of a ModuleList, and printf-style formatting of an attribute.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        body = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 3), nn.Tanh())
        self.front = body[:2]
        self.back = body[2:]
        ml = nn.ModuleList([nn.Linear(3, 3) for _ in range(4)])
        self.odd = ml[1::2]
        self.names = "%s|%r|%5.2e|%x|%%" % ("a", "b", 12345.678, 255)

    def forward(self, x):
        y = self.back(self.front(x))
        for m in self.odd:
            y = m(y)
        return y, self.names
