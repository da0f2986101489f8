import torch
import torch.nn as nn


class LoopingModel(nn.Module):
    def __init__(self, in_features, hidden_size, out_features, num_loops):
        super().__init__()
        self.linear_in = nn.Linear(in_features, hidden_size)
        self.linear_hidden = nn.Linear(hidden_size, hidden_size)
        self.linear_out = nn.Linear(hidden_size, out_features)
        self.num_loops = num_loops

    def forward(self, x):
        x = torch.relu(self.linear_in(x))
        for _ in range(self.num_loops):
            x = torch.relu(self.linear_hidden(x))
        x = self.linear_out(x)
        return x


model = LoopingModel(10, 20, 5, 3)
dummy_input = torch.randn(1, 10)

try:
    traced_loop_fail = torch.jit.trace(model, dummy_input)
    print("Loop Trace Failed")
except Exception as e:
     print(f"Loop Trace Failed: {e}")

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


scripted_model = ScriptedLoopingModel(10, 20, 5, 5)

print(scripted_model)
print(scripted_model(dummy_input))

