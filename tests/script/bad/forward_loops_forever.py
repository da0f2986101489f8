# forward never returns: `run --timeout` must stop it, naming the place.
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        n = 0
        while True:
            n += 1
        return x
