"""Give a freshly built model the kind of numbers a trained one has, so that a
conformance comparison can fail.

A model straight from its constructor is often degenerate: torchvision
zero-initialises the ViT head (output exactly 0) and most biases; batch norm
keeps running_mean 0 and running_var 1, so an EfficientNet or MobileNet whose
activations shrink layer after layer ends with outputs of 1e-9..1e-14;
ConvNeXt scales each residual block by a constant 1e-6, so the blocks hardly
reach the output. Against any tolerance such outputs prove nothing: a wrong
bias, a skipped block or a broken head would pass.

realistic(module, make_inputs) fixes that, deterministically (its own seed,
the caller's random state untouched):
- every floating parameter whose elements are all equal (zero biases and
  heads, norm weights of 1 and biases of 0, layer scales) gets distinct
  values: weights of two or more dimensions as nn.Linear/nn.Conv initialise
  them (kaiming-uniform), a constant c with |c| >= 0.01 becomes c * (1 + 0.2 z),
  a smaller one (0, 1e-6) becomes 0.1 z, z standard normal;
- batch-norm running statistics are then estimated on random batches from
  make_inputs(): the batch-norm layers alone in train mode with momentum None
  (a cumulative average), every other layer (dropout, stochastic depth) in
  eval mode, without gradients;
- the module is returned in eval mode with its batch norms' momentum restored.
"""
import math

import torch
import torch.nn as nn

SEED = 20260
BATCHES = 6


def _distinct(p, gen):
    """New values for a parameter whose elements are all equal."""
    if p.dim() >= 2 and float(p.abs().max()) == 0.0:
        fan_in = p[0].numel()
        bound = 1.0 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)), nn.Linear's default
        return (torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound
    c = float(p.reshape(-1)[0])
    z = torch.randn(p.shape, generator=gen, dtype=torch.float64)
    return c * (1 + 0.2 * z) if abs(c) >= 0.01 else 0.1 * z


def realistic(module, make_inputs=None, batches=BATCHES):
    """module with distinct parameters and estimated batch-norm statistics
    (see the file comment); make_inputs() returns one random example input
    list and is needed only when the module has batch norm."""
    gen = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in sorted(module.named_parameters()):
            if p.is_floating_point() and p.numel() > 1 and bool((p == p.reshape(-1)[0]).all()):
                p.copy_(_distinct(p, gen).to(p.dtype))
            elif p.is_floating_point() and p.numel() == 1 and float(p) == 0.0:
                p.copy_(_distinct(p, gen).to(p.dtype))
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        if make_inputs is None:
            raise ValueError("realistic: the module has batch norm; pass make_inputs")
        module.eval()
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
            m.train()
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(SEED)
            for _ in range(batches):
                module(*make_inputs())
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
    return module.eval()
