# tscript: class=ScriptedLoopingModel args="10, 20, 5, 5" inputs="randn:1,10"
# The seed tutorial's ScriptedLoopingModel, as written: @torch.jit.script on
# an nn.Module class (PyTorch rejects it; tscript scripts it and warns once).
import torch
import torch.nn as nn

@torch.jit.script
class ScriptedLoopingModel(nn.Module):
    def __init__(self, in_features, hidden_size, out_features, num_loops: int):
         super().__init__()
         self.linear_in = nn.Linear(in_features, hidden_size)
         self.linear_hidden = nn.Linear(hidden_size, hidden_size)
         self.linear_out = nn.Linear(hidden_size, out_features)
         self.num_loops = num_loops

    def forward(self, x: torch.Tensor):
        x = torch.relu(self.linear_in(x))
        for _ in range(self.num_loops):
            x = torch.relu(self.linear_hidden(x))
        x = self.linear_out(x)
        return x
