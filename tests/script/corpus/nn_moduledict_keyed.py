# tscript: class=Net inputs="randn:3,5"
# nn.ModuleDict indexed with a constant key
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.acts = nn.ModuleDict({'relu': nn.ReLU(), 'prelu': nn.PReLU()})
        self.fc = nn.Linear(5, 5)

    def forward(self, x):
        return self.acts['prelu'](self.fc(x)) + self.acts['relu'](x)
