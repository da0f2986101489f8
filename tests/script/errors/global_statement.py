# tscript: class=Net
# expect error: global_statement.py:10:9: error: global statements are not supported in TorchScript
import torch
import torch.nn as nn
COUNT = 0


class Net(nn.Module):
    def forward(self, x):
        global COUNT
        return x
