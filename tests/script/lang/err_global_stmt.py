# expect error: err_global_stmt.py:13:9: error: `global` is not supported by tscript's Python evaluator
# A construct the evaluator does not run is an error with its place.
import torch
import torch.nn as nn

COUNT = 0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = 1
        global COUNT
        COUNT += 1

    def forward(self, x):
        return x
