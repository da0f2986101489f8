# tscript: class=SimpleLinear args="10, 2" inputs="randn:1,10"
# The seed tutorial's first listing, as written.
import torch
import torch.nn as nn

class SimpleLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)
