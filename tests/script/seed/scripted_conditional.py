import torch
import torch.nn as nn

# Script the model
@torch.jit.script
class ScriptedConditionalModel(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear1 = nn.Linear(in_features, out_features)
        self.linear2 = nn.Linear(in_features, out_features)

    def forward(self, x : torch.Tensor, condition : bool):
        if condition:
            return self.linear1(x)
        else:
            return self.linear2(x)
