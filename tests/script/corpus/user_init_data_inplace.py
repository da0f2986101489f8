# tscript: class=Net inputs="randn:2,20" seed=1
# Initialisation as older tutorials write it: in-place draws on .data, xavier over every
# matrix of parameters(), a bound from math, masks from triu/masked_fill, a float from
# .item() (plain attributes must not depend on the draws: --weights replaces those).
import math
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, ntoken=20, ninp=8):
        super().__init__()
        self.encoder = nn.Linear(ntoken, ninp)
        self.decoder = nn.Linear(ninp, ntoken)
        self.w = nn.Parameter(torch.empty(3, ninp))
        initrange = 0.1
        self.encoder.weight.data.uniform_(-initrange, initrange)
        self.decoder.bias.data.zero_()
        self.decoder.weight.data.normal_(0, 0.02)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        bound = 1 / math.sqrt(self.w.size(1))
        nn.init.uniform_(self.w, -bound, bound)
        self.register_buffer("mask", torch.triu(torch.ones(4, 4) * -1e4, diagonal=1))
        self.register_buffer("eye", torch.eye(3).masked_fill(torch.eye(3) == 0, -1.0))
        self.scale = torch.tensor([0.5, -2.0]).abs().max().item() + self.w.size(0)

    def forward(self, x):
        return self.decoder(self.encoder(x)) + self.scale, self.mask, self.eye
