# tscript: class=Net
# expect error: class_level_list.py:11:20: error: module 'Net' has no attribute 'scales': it is a class attribute, which TorchScript does not compile; set self.scales in __init__
import torch
import torch.nn as nn


class Net(nn.Module):
    scales = [1.0, 2.0]

    def forward(self, x):
        return x * self.scales[0]
