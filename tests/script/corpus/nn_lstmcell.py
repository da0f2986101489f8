# tscript: class=Net inputs="randn:4,3,6"
# nn.LSTMCell stepped over a sequence
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(6, 8)

    def forward(self, x):
        h = torch.zeros(x.size(1), 8)
        c = torch.zeros(x.size(1), 8)
        outs = []
        for t in range(x.size(0)):
            h, c = self.cell(x[t], (h, c))
            outs.append(h)
        return torch.stack(outs)
