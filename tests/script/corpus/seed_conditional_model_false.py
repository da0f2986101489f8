# tscript: class=ConditionalModel args="5, 3" inputs="randn:1,5 zeros::bool"
# The seed tutorial's ConditionalModel, as written: condition is unannotated,
# so TorchScript types it Tensor (a 0-dim bool tensor here).
import torch
import torch.nn as nn

class ConditionalModel(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear1 = nn.Linear(in_features, out_features)
        self.linear2 = nn.Linear(in_features, out_features)

    def forward(self, x, condition):
        if condition:
            return self.linear1(x)
        else:
            return self.linear2(x)
