"""Multi-layer perceptrons, scripted and traced, at batch sizes 1 and 7.

Archives are written by real PyTorch; tscript's outputs must equal
torch.jit.load(path)(x) (shapes exact, floats within the tolerance harness.py
derives from float32 rounding).
Traced archives are traced at batch 1 and also run at batch 7.
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from harness import check_model, script, trace


def sequential():
    return nn.Sequential(
        nn.Linear(16, 32), nn.ReLU(),
        nn.Linear(32, 32), nn.Tanh(),
        nn.Linear(32, 8), nn.Sigmoid(),
    )


def deep_sequential():
    layers = []
    for i in range(6):
        layers += [nn.Linear(24, 24), nn.ReLU() if i % 2 else nn.Tanh()]
    return nn.Sequential(nn.Linear(16, 24), *layers, nn.Linear(24, 3))


class FunctionalMLP(nn.Module):
    """Calls torch.relu / torch.tanh / torch.sigmoid and F.relu directly, and
    has a layer without bias."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 32, bias=False)
        self.fc3 = nn.Linear(32, 16)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        x = F.relu(self.fc3(x))
        return torch.sigmoid(self.head(x))


MODELS = {
    "sequential": sequential,
    "deep_sequential": deep_sequential,
    "functional": FunctionalMLP,
}


def build(archive, name, mode):
    def make():
        model = MODELS[name]().eval()
        if mode == "script":
            return script(model)
        return trace(model, torch.randn(1, 16))
    return archive("mlp_%s_%s" % (name, mode), make)


@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("mode", ["script", "trace"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_mlp(archive, rundir, name, mode, batch):
    path = build(archive, name, mode)
    torch.manual_seed(batch)
    check_model(path, [torch.randn(batch, 16)], rundir)


@pytest.mark.parametrize("mode", ["script", "trace"])
def test_mlp_3d_input(archive, rundir, mode):
    """nn.Linear applies to the last dimension of a (batch, seq, features) input."""
    path = build(archive, "sequential", mode)
    torch.manual_seed(3)
    check_model(path, [torch.randn(2, 5, 16)], rundir)


def test_mlp_extreme_inputs(archive, rundir):
    """Large magnitudes saturate tanh and sigmoid the same way as PyTorch."""
    path = build(archive, "sequential", "script")
    torch.manual_seed(4)
    check_model(path, [torch.randn(7, 16) * 1e3], rundir)
