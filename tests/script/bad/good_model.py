# A valid model the bad-input tests feed bad weights, arguments and inputs.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.register_buffer("scale", torch.ones(cout))

    def forward(self, x):
        return self.fc(x) * self.scale
