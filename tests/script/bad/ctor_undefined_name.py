# A name the constructor uses but nobody defines: NameError at its place.
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.fc = nn.Linear(cin, hidden)

    def forward(self, x):
        return self.fc(x)
