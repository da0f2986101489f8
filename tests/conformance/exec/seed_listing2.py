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

model = ConditionalModel(5, 3)
dummy_input = torch.randn(1, 5)

# Attempt to trace with a specific condition
try:
    traced_model_bad = torch.jit.trace(model, (dummy_input, True))
    print("Bad Trace Success")
except Exception as e:
    print(f"Bad Trace Failed: {e}")


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

scripted_model = ScriptedConditionalModel(5,3)


# Verify
print(scripted_model)
print(scripted_model(dummy_input, True))
print(scripted_model(dummy_input, False))

