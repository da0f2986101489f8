# tscript: class=Normalize inputs="randn:2,3,4,4"
# Buffers from torch.tensor lists: one persistent, one not (absent from the
# state_dict, so --weights must not ask for it).
import torch
import torch.nn as nn


class Normalize(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1),
                             persistent=False)
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return self.conv((x - self.mean) / self.std)
