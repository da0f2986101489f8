# tscript: class=LoopingModel args="10, 20, 5, 3" inputs="randn:1,10"
# The seed tutorial's LoopingModel, as written.
import torch
import torch.nn as nn


class LoopingModel(nn.Module):
    def __init__(self, in_features, hidden_size, out_features, num_loops):
        super().__init__()
        self.linear_in = nn.Linear(in_features, hidden_size)
        self.linear_hidden = nn.Linear(hidden_size, hidden_size)
        self.linear_out = nn.Linear(hidden_size, out_features)
        self.num_loops = num_loops

    def forward(self, x):
        x = torch.relu(self.linear_in(x))
        for _ in range(self.num_loops):
            x = torch.relu(self.linear_hidden(x))
        x = self.linear_out(x)
        return x
