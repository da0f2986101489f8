# tscript: class=Net
# expect error: global_statement.py:10:9: error: global statements are not supported in TorchScript: pass the value in as an argument, or keep it as an attribute of the module
import torch
import torch.nn as nn
COUNT = 0


class Net(nn.Module):
    def forward(self, x):
        global COUNT
        return x
