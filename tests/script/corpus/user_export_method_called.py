# tscript: class=AutoEncoder args="10, 3" inputs="randn:4,10" method=encode
# @torch.jit.export methods: encode and decode are compiled, called directly (--method encode).
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self, dim, code):
        super().__init__()
        self.enc = nn.Linear(dim, code)
        self.dec = nn.Linear(code, dim)

    @torch.jit.export
    def encode(self, x):
        return torch.tanh(self.enc(x))

    @torch.jit.export
    def decode(self, z):
        return self.dec(z)

    def forward(self, x):
        return self.decode(self.encode(x))
