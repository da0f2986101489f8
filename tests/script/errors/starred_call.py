# tscript: class=Net
# expect error: starred_call.py:10:26: error: starred arguments are not supported: pass the list itself (f(xs), not f(*xs))
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        parts = [x, x]
        return torch.cat(*parts)
