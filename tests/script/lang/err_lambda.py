# expect error: err_lambda.py:11:18: error: lambda is not supported by tscript's Python evaluator
# A construct the evaluator does not run is an error with its place.
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = 1
        self.f = lambda x: x

    def forward(self, x):
        return x
