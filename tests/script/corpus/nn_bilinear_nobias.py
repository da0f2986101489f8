# tscript: class=Net inputs="randn:2,3,4 randn:2,3,4"
# nn.Bilinear without bias, keyword args
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.m = nn.Bilinear(in1_features=4, in2_features=4, out_features=6, bias=False)

    def forward(self, a, b):
        return self.m(a, b)
