# tscript: class=Net
# expect error: variable_type_change.py:11:13: error: variable 'n' previously had type int but is now being assigned to a value of type str: keep one type, or use another name
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        n = 1
        for i in range(2):
            n = "one"
        return x
