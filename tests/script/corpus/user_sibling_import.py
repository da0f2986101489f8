# tscript: class=Backbone args="3, [8, 16]" inputs="randn:2,3,16,16"
# Imports a block and a helper function from a sibling file (corpus_blocks.py).
import torch
import torch.nn as nn
from corpus_blocks import ConvBNAct, channel_mean


class Backbone(nn.Module):
    def __init__(self, cin, widths):
        super().__init__()
        layers = []
        for w in widths:
            layers.append(ConvBNAct(cin, w, stride=2))
            cin = w
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cin, 5)

    def forward(self, x):
        return self.head(channel_mean(self.body(x)))
