# tscript: class=ScriptedConditionalModel args="5,3" inputs="randn:1,5 False"
# The seed tutorial's @torch.jit.script on an nn.Module class, as written:
# PyTorch rejects the decorator; tscript scripts the class and warns once.
import torch
import torch.nn as nn

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
