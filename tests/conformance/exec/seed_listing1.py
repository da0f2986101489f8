import torch
import torch.nn as nn

class SimpleLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)

# Instantiate the model
model = SimpleLinear(10, 2)
dummy_input = torch.randn(1, 10)

# Trace the model
traced_model = torch.jit.trace(model, dummy_input)

# Verify
print(traced_model)
print(traced_model(dummy_input))
