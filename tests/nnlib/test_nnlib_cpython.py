"""tscript's nn library (src/nnlib/) against PyTorch 1.13, in CPython.

For every configuration in CASES: construct ours and PyTorch's class under the same seed
and compare the state_dict (keys in order, dtypes, shapes, bytes), repr(module), the
instance attributes of every module in the tree (names in order, types, values); script
both with torch.jit.script and compare the printed code of forward, every code/ file and
constants.pkl of a torch.jit.save archive (qualified names normalised, see nnlib_loader),
the node kinds of the inlined graph in order, and the outputs of both scripted modules
(and of both eager modules) on the same inputs, bit for bit (the same ops run in the same
process). Each case runs twice: our classes over PyTorch's F/init ("mod"), and over our
functional.py/init.py ("full").

Cases listed in known_failures.txt are expected to fail (strict xfail, with the reason).
"""
import copy
import math
import os
import sys
import warnings
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnlib_loader as L  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _known_failures():
    out = {}
    path = os.path.join(HERE, "known_failures.txt")
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, reason = line.partition(":")
            out[key.strip()] = reason.strip()
    return out


KNOWN = _known_failures()


def R(*shape, seed=0, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g) * scale


class Case:
    """One constructor configuration: file, class, args and inputs for forward."""

    def __init__(self, file, cls, args=(), kwargs=None, inputs=None, train=False, build=None,
                 name=None, seed=7, script_fails=False, jit_differs=None):
        # script_fails: PyTorch 1.13 itself cannot script this configuration; ours must
        # fail the same way (same message up to the source location).
        self.script_fails = script_fails
        # jit_differs: why PyTorch's own scripted outputs differ from its eager ones here
        # (ours still equal PyTorch's, eager and scripted, bit for bit).
        self.jit_differs = jit_differs
        self.file, self.cls, self.args, self.kwargs = file, cls, args, kwargs or {}
        self.inputs = inputs or (lambda: (R(2, 3),))
        self.train, self.build, self.seed = train, build, seed
        self.name = name or cls

    def construct(self, ns):
        # ns: namespace mapping class names to classes (ours or torch.nn).
        if self.build is not None:
            return self.build(ns)
        return getattr(ns, self.cls)(*self.args, **self.kwargs)


class _Ns:
    """Our classes by name, over one loader prefix."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __getattr__(self, name):
        for f in L._our_module_files():
            if f in ("utils",):
                continue
            mod = L.load("torch.nn.modules." + f, self.prefix)
            if name in mod.__dict__ and isinstance(mod.__dict__[name], type):
                return mod.__dict__[name]
        raise AttributeError(name)


def C(file, cls, *args, inputs=None, train=False, name=None, script_fails=False, **kwargs):
    return Case(file, cls, args, kwargs, inputs=inputs, train=train, name=name,
                script_fails=script_fails)


LIN = "linear"
ACT = "activation"
CON = "container"

CASES = [
    C(LIN, "Identity", inputs=lambda: (R(4, 5),)),
    C(LIN, "Identity", 3, 4, unused=1, name="Identity-args", inputs=lambda: (R(4, 5),)),
    C(LIN, "Linear", 5, 3, inputs=lambda: (R(4, 5),)),
    C(LIN, "Linear", 5, 3, bias=False, name="Linear-nobias", inputs=lambda: (R(2, 4, 5),)),
    C(LIN, "Linear", 64, 128, name="Linear-big", inputs=lambda: (R(8, 64),)),
    C(LIN, "Linear", 1, 1, name="Linear-1", inputs=lambda: (R(3, 1),)),
    C(LIN, "Bilinear", 4, 5, 3, inputs=lambda: (R(6, 4), R(6, 5, seed=1))),
    C(LIN, "Bilinear", 4, 5, 3, bias=False, name="Bilinear-nobias",
      inputs=lambda: (R(6, 4), R(6, 5, seed=1))),
]

# Activations: (class, list of (args, kwargs)), input a (4, 6) matrix at scale 3 so that
# every branch (negative, positive, beyond thresholds) is exercised.
_ACT_CONFIGS = [
    ("Threshold", [((0.1, 20.0), {}), ((0.5, -1.0), {"inplace": True})]),
    ("ReLU", [((), {}), ((), {"inplace": True})]),
    ("RReLU", [((), {}), ((0.2, 0.4), {})]),
    ("Hardtanh", [((), {}), ((-2.0, 3.0), {}), ((), {"inplace": True})]),
    ("ReLU6", [((), {}), ((), {"inplace": True})]),
    ("Sigmoid", [((), {})]),
    ("Hardsigmoid", [((), {}), ((), {"inplace": True})]),
    ("Tanh", [((), {})]),
    ("SiLU", [((), {}), ((), {"inplace": True})]),
    ("Mish", [((), {}), ((), {"inplace": True})]),
    ("Hardswish", [((), {}), ((), {"inplace": True})]),
    ("ELU", [((), {}), ((0.5,), {}), ((), {"alpha": 2.0, "inplace": True})]),
    ("CELU", [((), {}), ((0.7,), {"inplace": True})]),
    ("SELU", [((), {}), ((), {"inplace": True})]),
    ("GLU", [((), {}), ((0,), {})]),
    ("GELU", [((), {}), ((), {"approximate": "tanh"})]),
    ("Hardshrink", [((), {}), ((1.5,), {})]),
    ("LeakyReLU", [((), {}), ((0.2,), {}), ((0.1, True), {})]),
    ("LogSigmoid", [((), {})]),
    ("Softplus", [((), {}), ((2, 5), {})]),
    ("Softshrink", [((), {}), ((1.0,), {})]),
    ("PReLU", [((), {}), ((6,), {}), ((), {"num_parameters": 6, "init": 0.1})]),
    ("Softsign", [((), {})]),
    ("Tanhshrink", [((), {})]),
    ("Softmin", [((), {"dim": 1}), ((0,), {})]),
    ("Softmax", [((), {"dim": -1}), ((0,), {})]),
    ("Softmax2d", [((), {})]),
    ("LogSoftmax", [((), {"dim": 1}), ((), {"dim": 0})]),
]
for _cls, _cfgs in _ACT_CONFIGS:
    for _i, (_a, _k) in enumerate(_cfgs):
        _inp = (lambda: (R(2, 6, 3, 4, scale=3.0),)) if _cls == "Softmax2d" else \
            (lambda: (R(4, 6, scale=3.0),))
        CASES.append(Case(ACT, _cls, _a, _k, inputs=_inp, name="%s-%d" % (_cls, _i)))
# RReLU draws in training mode.
CASES.append(Case(ACT, "RReLU", (), {}, inputs=lambda: (R(4, 6, scale=3.0),), train=True,
                  name="RReLU-train"))


def _seq_plain(ns):
    return ns.Sequential(ns.Linear(5, 8), ns.ReLU(), ns.Linear(8, 3), ns.Tanh())


def _seq_dict(ns):
    return ns.Sequential(OrderedDict([("fc1", ns.Linear(5, 8)), ("act", ns.GELU()),
                                      ("fc2", ns.Linear(8, 2, bias=False))]))


def _seq_nested(ns):
    inner = ns.Sequential(ns.Linear(6, 6), ns.SiLU())
    s = ns.Sequential(ns.Linear(5, 6), inner)
    s.append(ns.Linear(6, 4))
    s.insert(1, ns.LeakyReLU(0.1))
    s.extend(ns.Sequential(ns.ReLU6()))
    return s


CASES += [
    Case(CON, "Sequential", build=_seq_plain, name="Sequential-plain", inputs=lambda: (R(3, 5),)),
    Case(CON, "Sequential", build=_seq_dict, name="Sequential-dict", inputs=lambda: (R(3, 5),)),
    Case(CON, "Sequential", build=_seq_nested, name="Sequential-nested", inputs=lambda: (R(3, 5),)),
    Case(CON, "Sequential", build=lambda ns: ns.Sequential(), name="Sequential-empty",
         inputs=lambda: (R(3, 5),)),
]



class _ListDictNet(nn.Module):
    """A user module holding a ModuleList and a ModuleDict (containers have no forward)."""

    def __init__(self, ns):
        super().__init__()
        self.layers = ns.ModuleList([ns.Linear(4, 4) for _ in range(3)])
        self.layers.append(ns.Linear(4, 5))
        self.layers.insert(0, ns.Linear(4, 4, bias=False))
        self.extra = ns.ModuleList()
        self.extra += [ns.ReLU(), ns.Tanh()]
        self.acts = ns.ModuleDict({"a": ns.ReLU(), "b": ns.Tanh()})
        self.acts.update([("c", ns.SiLU())])
        self.acts["d"] = ns.Sigmoid()

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        for m in self.extra:
            x = m(x)
        for k, m in self.acts.items():
            x = m(x)
        return x


CASES += [
    Case(CON, "ModuleList", build=lambda ns: _ListDictNet(ns), name="ModuleList-ModuleDict",
         inputs=lambda: (R(3, 4),)),
]

CONV = "conv"
_x1 = lambda: (R(2, 4, 17),)  # noqa: E731
_x2 = lambda: (R(2, 3, 11, 13),)  # noqa: E731
_x2b = lambda: (R(2, 4, 9, 10),)  # noqa: E731
_x3 = lambda: (R(2, 2, 7, 8, 9),)  # noqa: E731
CASES += [
    C(CONV, "Conv1d", 4, 6, 3, inputs=_x1),
    C(CONV, "Conv1d", 4, 6, 3, stride=2, padding=1, bias=False, name="Conv1d-s2p1nb", inputs=_x1),
    C(CONV, "Conv1d", 4, 8, 3, groups=2, dilation=2, padding="same", name="Conv1d-same-g2", inputs=_x1),
    C(CONV, "Conv1d", 4, 6, 4, padding="same", name="Conv1d-same-even", inputs=_x1),
    C(CONV, "Conv1d", 4, 6, 3, padding="valid", name="Conv1d-valid", inputs=_x1),
    C(CONV, "Conv1d", 4, 6, 3, padding=2, padding_mode="reflect", name="Conv1d-reflect", inputs=_x1),
    C(CONV, "Conv2d", 3, 8, 3, inputs=_x2),
    C(CONV, "Conv2d", 3, 8, (3, 5), stride=(2, 1), padding=(1, 2), name="Conv2d-rect", inputs=_x2),
    C(CONV, "Conv2d", 4, 8, 3, groups=4, bias=False, padding="same", name="Conv2d-dw-same", inputs=_x2b),
    C(CONV, "Conv2d", 3, 4, 3, padding=1, padding_mode="circular", name="Conv2d-circular", inputs=_x2),
    C(CONV, "Conv2d", 3, 4, 3, padding=(1, 2), padding_mode="replicate", name="Conv2d-replicate", inputs=_x2),
    C(CONV, "Conv2d", 3, 4, 4, padding="same", dilation=(1, 2), name="Conv2d-same-dil", inputs=_x2),
    C(CONV, "Conv2d", 3, 16, 1, name="Conv2d-1x1", inputs=_x2),
    C(CONV, "Conv3d", 2, 4, 3, inputs=_x3),
    C(CONV, "Conv3d", 2, 4, (1, 3, 3), stride=2, padding=(0, 1, 1), groups=2, name="Conv3d-g2", inputs=_x3),
    C(CONV, "Conv3d", 2, 3, 2, padding=1, padding_mode="replicate", bias=False, name="Conv3d-repl", inputs=_x3),
    C(CONV, "ConvTranspose1d", 4, 6, 3, inputs=_x1),
    C(CONV, "ConvTranspose1d", 4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False,
      name="ConvTranspose1d-s2", inputs=_x1),
    C(CONV, "ConvTranspose2d", 4, 3, 3, stride=2, inputs=_x2b),
    C(CONV, "ConvTranspose2d", 4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2,
      dilation=(1, 2), name="ConvTranspose2d-full", inputs=_x2b),
    C(CONV, "ConvTranspose2d", 4, 3, 3, stride=2, padding=1, name="ConvTranspose2d-outsize",
      inputs=lambda: (R(2, 4, 9, 10), [18, 20])),
    C(CONV, "ConvTranspose3d", 2, 3, 3, stride=2, inputs=_x3),
    C(CONV, "ConvTranspose3d", 2, 4, (2, 3, 3), stride=(1, 2, 2), padding=1, bias=False,
      name="ConvTranspose3d-rect", inputs=_x3),
]


def I(*shape, high=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, high, shape, generator=g)


BN, IN, NORM, DROP = "batchnorm", "instancenorm", "normalization", "dropout"
_b2 = lambda: (R(6, 5),)  # noqa: E731
_b3 = lambda: (R(4, 5, 7),)  # noqa: E731
_b4 = lambda: (R(3, 5, 6, 7),)  # noqa: E731
_b5 = lambda: (R(2, 5, 3, 4, 5),)  # noqa: E731
for _train in (False, True):
    _t = "-train" if _train else ""
    CASES += [
        C(BN, "BatchNorm1d", 5, inputs=_b2, train=_train, name="BatchNorm1d" + _t),
        C(BN, "BatchNorm1d", 5, eps=1e-3, momentum=None, name="BatchNorm1d-cma" + _t, inputs=_b3, train=_train),
        C(BN, "BatchNorm1d", 5, affine=False, name="BatchNorm1d-noaffine" + _t, inputs=_b3, train=_train),
        C(BN, "BatchNorm2d", 5, inputs=_b4, train=_train, name="BatchNorm2d" + _t),
        C(BN, "BatchNorm2d", 5, momentum=0.3, track_running_stats=False, name="BatchNorm2d-notrack" + _t,
          inputs=_b4, train=_train),
        C(BN, "BatchNorm3d", 5, inputs=_b5, train=_train, name="BatchNorm3d" + _t),
        C(IN, "InstanceNorm1d", 5, inputs=_b3, train=_train, name="InstanceNorm1d" + _t),
        C(IN, "InstanceNorm1d", 5, inputs=lambda: (R(5, 7),), train=_train, name="InstanceNorm1d-unbatched" + _t),
        C(IN, "InstanceNorm2d", 5, affine=True, track_running_stats=True, inputs=_b4, train=_train,
          name="InstanceNorm2d-affine-track" + _t),
        C(IN, "InstanceNorm3d", 5, eps=1e-3, affine=True, inputs=_b5, train=_train, name="InstanceNorm3d" + _t),
        C(DROP, "Dropout", inputs=_b4, train=_train, name="Dropout" + _t),
        C(DROP, "Dropout", 0.2, True, inputs=_b4, train=_train, name="Dropout-inplace" + _t),
        C(DROP, "Dropout1d", 0.3, inputs=_b3, train=_train, name="Dropout1d" + _t),
        C(DROP, "Dropout1d", 0.3, inputs=lambda: (R(5, 7),), train=_train, name="Dropout1d-unbatched" + _t),
        C(DROP, "Dropout2d", inputs=_b4, train=_train, name="Dropout2d" + _t),
        C(DROP, "Dropout2d", 0.4, inplace=True, inputs=_b4, train=_train, name="Dropout2d-inplace" + _t),
        C(DROP, "Dropout3d", inputs=_b5, train=_train, name="Dropout3d" + _t),
        C(DROP, "Dropout3d", inputs=lambda: (R(5, 3, 4, 5),), train=_train, name="Dropout3d-unbatched" + _t),
        C(DROP, "AlphaDropout", 0.2, inputs=_b4, train=_train, name="AlphaDropout" + _t),
        C(DROP, "FeatureAlphaDropout", 0.2, inputs=_b4, train=_train, name="FeatureAlphaDropout" + _t),
    ]
CASES += [
    C(NORM, "LayerNorm", 7, inputs=_b4),
    C(NORM, "LayerNorm", [6, 7], eps=1e-6, name="LayerNorm-2d", inputs=_b4),
    C(NORM, "LayerNorm", (7,), elementwise_affine=False, name="LayerNorm-noaffine", inputs=_b4),
    C(NORM, "GroupNorm", 1, 5, inputs=_b4),
    C(NORM, "GroupNorm", 2, 6, eps=1e-3, affine=False, name="GroupNorm-noaffine", inputs=lambda: (R(3, 6, 4, 5),)),
    C(NORM, "GroupNorm", 3, 6, name="GroupNorm-3d", inputs=lambda: (R(3, 6, 10),)),
    C(NORM, "LocalResponseNorm", 2, inputs=_b4),
    C(NORM, "LocalResponseNorm", 3, alpha=1e-3, beta=0.5, k=2.0, name="LocalResponseNorm-3d", inputs=_b3),
    C(NORM, "LocalResponseNorm", 3, name="LocalResponseNorm-5d", inputs=_b5),
]
if hasattr(nn, "RMSNorm"):
    CASES += [
        C(NORM, "RMSNorm", 7, inputs=_b4),
        C(NORM, "RMSNorm", [6, 7], eps=1e-6, elementwise_affine=False, name="RMSNorm-2d", inputs=_b4),
    ]


def test_rmsnorm_needs_torch_2_4():
    if not hasattr(nn, "RMSNorm"):
        pytest.skip("torch %s has no nn.RMSNorm (added in 2.4): our RMSNorm is validated "
                    "only with a torch that has it" % torch.__version__)


FLAT, PIX, SPARSE, POOL = "flatten", "pixelshuffle", "sparse", "pooling"
CASES += [
    C(FLAT, "Flatten", inputs=_b4),
    C(FLAT, "Flatten", 0, 2, name="Flatten-0-2", inputs=_b4),
    C(FLAT, "Unflatten", 1, (2, 3), inputs=lambda: (R(4, 6, 5),)),
    C(FLAT, "Unflatten", -1, [5, 1], name="Unflatten-list", inputs=lambda: (R(4, 6, 5),)),
    C(PIX, "PixelShuffle", 2, inputs=lambda: (R(2, 8, 3, 4),)),
    C(PIX, "PixelUnshuffle", 2, inputs=lambda: (R(2, 3, 4, 6),)),
    C(SPARSE, "Embedding", 10, 4, inputs=lambda: (I(3, 5),)),
    C(SPARSE, "Embedding", 10, 4, padding_idx=2, name="Embedding-pad", inputs=lambda: (I(3, 5),)),
    C(SPARSE, "Embedding", 10, 4, padding_idx=-1, name="Embedding-negpad", inputs=lambda: (I(3, 5),)),
    C(SPARSE, "Embedding", 10, 6, max_norm=1.0, norm_type=1.5, scale_grad_by_freq=True,
      name="Embedding-maxnorm", inputs=lambda: (I(2, 7),)),
    C(SPARSE, "Embedding", 10, 4, sparse=True, name="Embedding-sparse", inputs=lambda: (I(4),)),
    C(SPARSE, "EmbeddingBag", 10, 4, inputs=lambda: (I(3, 5),)),
    C(SPARSE, "EmbeddingBag", 10, 4, mode="sum", padding_idx=0, name="EmbeddingBag-sum-pad",
      inputs=lambda: (I(8), torch.tensor([0, 3, 3, 6]), R(8, seed=4))),
    C(SPARSE, "EmbeddingBag", 10, 4, max_norm=0.5, mode="max", include_last_offset=True,
      name="EmbeddingBag-max", inputs=lambda: (I(8), torch.tensor([0, 2, 5, 8]))),
]
_p1 = lambda: (R(2, 3, 16),)  # noqa: E731
_p2 = lambda: (R(2, 3, 11, 12),)  # noqa: E731
_p3 = lambda: (R(2, 2, 7, 8, 9),)  # noqa: E731
CASES += [
    C(POOL, "MaxPool1d", 3, inputs=_p1),
    C(POOL, "MaxPool1d", 3, 2, 1, 2, ceil_mode=True, name="MaxPool1d-full", inputs=_p1),
    C(POOL, "MaxPool1d", 2, return_indices=True, name="MaxPool1d-indices", inputs=_p1),
    C(POOL, "MaxPool2d", 2, inputs=_p2),
    C(POOL, "MaxPool2d", (3, 2), stride=(2, 1), padding=1, name="MaxPool2d-rect", inputs=_p2),
    C(POOL, "MaxPool2d", 3, 2, return_indices=True, ceil_mode=True, name="MaxPool2d-indices", inputs=_p2),
    C(POOL, "MaxPool3d", 2, inputs=_p3),
    C(POOL, "MaxPool3d", 3, 2, 1, return_indices=True, name="MaxPool3d-indices", inputs=_p3),
    C(POOL, "AvgPool1d", 3, inputs=_p1),
    C(POOL, "AvgPool1d", 4, 2, 2, True, False, name="AvgPool1d-full", inputs=_p1),
    C(POOL, "AvgPool2d", 2, inputs=_p2),
    C(POOL, "AvgPool2d", (3, 2), stride=1, padding=1, count_include_pad=False, divisor_override=3,
      name="AvgPool2d-full", inputs=_p2),
    C(POOL, "AvgPool3d", 2, inputs=_p3),
    C(POOL, "AvgPool3d", 3, 2, 1, ceil_mode=True, name="AvgPool3d-full", inputs=_p3),
    C(POOL, "LPPool1d", 2, 3, inputs=lambda: (R(2, 3, 16).abs(),)),
    C(POOL, "LPPool1d", 1.5, 3, 2, True, name="LPPool1d-full", inputs=lambda: (R(2, 3, 16).abs(),)),
    C(POOL, "LPPool2d", 2, 2, inputs=lambda: (R(2, 3, 11, 12).abs(),)),
    C(POOL, "LPPool2d", 3, (3, 2), stride=(2, 1), name="LPPool2d-full", inputs=lambda: (R(2, 3, 11, 12).abs(),)),
    C(POOL, "AdaptiveMaxPool1d", 5, inputs=_p1),
    C(POOL, "AdaptiveMaxPool1d", 4, True, name="AdaptiveMaxPool1d-indices", inputs=_p1, script_fails=True),
    C(POOL, "AdaptiveMaxPool2d", (5, 4), inputs=_p2),
    C(POOL, "AdaptiveMaxPool2d", (None, 3), return_indices=True, name="AdaptiveMaxPool2d-none", inputs=_p2, script_fails=True),
    C(POOL, "AdaptiveMaxPool3d", 2, inputs=_p3),
    C(POOL, "AdaptiveMaxPool3d", (2, None, 3), True, name="AdaptiveMaxPool3d-none", inputs=_p3, script_fails=True),
    C(POOL, "AdaptiveAvgPool1d", 5, inputs=_p1),
    C(POOL, "AdaptiveAvgPool2d", 1, inputs=_p2),
    C(POOL, "AdaptiveAvgPool2d", (None, 5), name="AdaptiveAvgPool2d-none", inputs=_p2, script_fails=True),
    C(POOL, "AdaptiveAvgPool3d", (1, 2, 3), inputs=_p3),
]


def _unpool(ns, dims, **kw):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            mp = {1: ns.MaxPool1d, 2: ns.MaxPool2d, 3: ns.MaxPool3d}[dims]
            up = {1: ns.MaxUnpool1d, 2: ns.MaxUnpool2d, 3: ns.MaxUnpool3d}[dims]
            self.pool = mp(2, stride=2, return_indices=True)
            self.unpool = up(2, **kw)

        def forward(self, x):
            y, i = self.pool(x)
            return self.unpool(y, i)
    Net.__qualname__ = Net.__name__ = "UnpoolNet%d" % dims
    return Net()


CASES += [
    # PyTorch 1.13 fails an internal assert scripting MaxUnpool*d (its tuple constants
    # against the int[] schema); ours must fail the same way, and run the same in eager mode.
    Case(POOL, "MaxUnpool1d", build=lambda ns: _unpool(ns, 1), name="MaxUnpool1d",
         inputs=lambda: (R(2, 3, 16),), script_fails=True),
    Case(POOL, "MaxUnpool2d", build=lambda ns: _unpool(ns, 2, stride=2), name="MaxUnpool2d",
         inputs=lambda: (R(2, 3, 10, 12),), script_fails=True),
    Case(POOL, "MaxUnpool3d", build=lambda ns: _unpool(ns, 3, padding=0), name="MaxUnpool3d",
         inputs=lambda: (R(2, 2, 6, 8, 4),), script_fails=True),
]


PAD, UP = "padding", "upsampling"
CASES += [
    C(PAD, "ConstantPad1d", 2, 3.5, inputs=_p1),
    C(PAD, "ConstantPad1d", (1, 3), -1.0, name="ConstantPad1d-tuple", inputs=_p1),
    C(PAD, "ConstantPad2d", 2, 0.5, inputs=_p2),
    C(PAD, "ConstantPad2d", (1, 0, 2, 3), 1.0, name="ConstantPad2d-tuple", inputs=_p2),
    C(PAD, "ConstantPad3d", 1, 2.0, inputs=_p3),
    C(PAD, "ConstantPad3d", (1, 0, 2, 1, 0, 1), 2.0, name="ConstantPad3d-tuple", inputs=_p3),
    C(PAD, "ZeroPad2d", 2, inputs=_p2),
    C(PAD, "ZeroPad2d", (1, 2, 0, 3), name="ZeroPad2d-tuple", inputs=_p2),
    C(PAD, "ReflectionPad1d", 2, inputs=_p1),
    C(PAD, "ReflectionPad1d", (3, 1), name="ReflectionPad1d-tuple", inputs=_p1),
    C(PAD, "ReflectionPad2d", 2, inputs=_p2),
    C(PAD, "ReflectionPad2d", (1, 2, 3, 0), name="ReflectionPad2d-tuple", inputs=_p2),
    C(PAD, "ReflectionPad3d", 1, inputs=_p3),
    C(PAD, "ReplicationPad1d", 2, inputs=_p1),
    C(PAD, "ReplicationPad2d", (1, 2, 3, 0), inputs=_p2),
    C(PAD, "ReplicationPad3d", 2, inputs=_p3),
    C(PAD, "ReplicationPad3d", (1, 0, 2, 1, 0, 3), name="ReplicationPad3d-tuple", inputs=_p3),
    C(UP, "Upsample", scale_factor=2, inputs=_p2),
    C(UP, "Upsample", size=(5, 7), mode="bilinear", name="Upsample-size-bilinear", inputs=_p2),
    C(UP, "Upsample", scale_factor=1.5, mode="bilinear", align_corners=True, name="Upsample-bilinear-ac", inputs=_p2),
    C(UP, "Upsample", scale_factor=(2.0, 3.0), mode="nearest", name="Upsample-tuple", inputs=_p2),
    C(UP, "Upsample", size=20, mode="linear", name="Upsample-linear", inputs=_p1),
    C(UP, "Upsample", scale_factor=2, mode="trilinear", name="Upsample-trilinear", inputs=_p3),
    C(UP, "Upsample", scale_factor=2, mode="bicubic", name="Upsample-bicubic", inputs=_p2),
    C(UP, "Upsample", scale_factor=0.5, mode="area", name="Upsample-area", inputs=_p2),
    C(UP, "Upsample", scale_factor=1.7, mode="nearest-exact", recompute_scale_factor=True,
      name="Upsample-nearest-exact", inputs=_p2),
    C(UP, "UpsamplingNearest2d", scale_factor=2, inputs=_p2),
    C(UP, "UpsamplingNearest2d", size=(4, 9), name="UpsamplingNearest2d-size", inputs=_p2),
    C(UP, "UpsamplingBilinear2d", scale_factor=2, inputs=_p2),
]


RNN = "rnn"


class _RnnUser(nn.Module):
    """A user module calling an RNN (the call site picks forward's Tensor overload)."""

    def __init__(self, rnn, with_state):
        super().__init__()
        self.rnn = rnn
        self.with_state = with_state

    def forward(self, x, h):
        if self.with_state:
            out, state = self.rnn(x, h)
        else:
            out, state = self.rnn(x)
        return out, state


class _LstmUser(nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h, c):
        out, (h1, c1) = self.rnn(x, (h, c))
        out2, hc = self.rnn(x)
        return out + out2, h1, c1, hc[0]


_seq = lambda: (R(7, 3, 5),)  # noqa: E731  (seq, batch, feature)
_seqb = lambda: (R(3, 7, 5),)  # noqa: E731  (batch, seq, feature)
CASES += [
    C(RNN, "RNN", 5, 8, inputs=_seq),
    C(RNN, "RNN", 5, 8, 2, nonlinearity="relu", bias=False, name="RNN-relu-2l", inputs=_seq),
    C(RNN, "RNN", 5, 6, num_layers=2, batch_first=True, bidirectional=True, dropout=0.5,
      name="RNN-bi-bf", inputs=_seqb),
    C(RNN, "RNN", 5, 6, num_layers=2, dropout=0.5, name="RNN-dropout-train", inputs=_seq, train=True),
    C(RNN, "RNN", 5, 4, name="RNN-unbatched", inputs=lambda: (R(7, 5),)),
    C(RNN, "LSTM", 5, 8, inputs=_seq),
    C(RNN, "LSTM", 5, 8, 3, bias=False, bidirectional=True, name="LSTM-3l-bi", inputs=_seq),
    C(RNN, "LSTM", 5, 8, 2, batch_first=True, proj_size=3, name="LSTM-proj", inputs=_seqb),
    C(RNN, "LSTM", 5, 8, proj_size=4, bidirectional=True, bias=False, name="LSTM-proj-bi", inputs=_seq),
    C(RNN, "LSTM", 5, 4, name="LSTM-unbatched", inputs=lambda: (R(7, 5),)),
    C(RNN, "GRU", 5, 8, inputs=_seq),
    C(RNN, "GRU", 5, 8, 2, batch_first=True, bidirectional=True, name="GRU-2l-bi-bf", inputs=_seqb),
    C(RNN, "GRU", 5, 6, 1, False, name="GRU-nobias", inputs=_seq),
    C(RNN, "RNNCell", 5, 8, inputs=lambda: (R(3, 5), R(3, 8, seed=2))),
    C(RNN, "RNNCell", 5, 8, False, "relu", name="RNNCell-relu", inputs=lambda: (R(5),)),
    C(RNN, "LSTMCell", 5, 8, inputs=lambda: (R(3, 5),)),
    C(RNN, "LSTMCell", 5, 8, bias=False, name="LSTMCell-nobias", inputs=lambda: (R(5),)),
    C(RNN, "GRUCell", 5, 8, inputs=lambda: (R(3, 5), R(3, 8, seed=2))),
    C(RNN, "GRUCell", 5, 8, bias=False, name="GRUCell-nobias", inputs=lambda: (R(5),)),
    Case(RNN, "RNN", build=lambda ns: _RnnUser(ns.RNN(5, 8, 2), True), name="RNN-user-state",
         inputs=lambda: (R(7, 3, 5), R(2, 3, 8, seed=3))),
    Case(RNN, "GRU", build=lambda ns: _RnnUser(ns.GRU(5, 8, bidirectional=True), False), name="GRU-user",
         inputs=lambda: (R(7, 3, 5), R(2, 3, 8, seed=3))),
    Case(RNN, "LSTM", build=lambda ns: _LstmUser(ns.LSTM(5, 8, 2)), name="LSTM-user",
         inputs=lambda: (R(7, 3, 5), R(2, 3, 8, seed=3), R(2, 3, 8, seed=4))),
]


class _MhaUser(nn.Module):
    """Calls MultiheadAttention with masks and each output form."""

    def __init__(self, mha, self_attn):
        super().__init__()
        self.mha = mha
        self.self_attn = self_attn

    def forward(self, q, k, v, kpm, am):
        if self.self_attn:
            a, w = self.mha(q, q, q)
        else:
            a, w = self.mha(q, k, v, key_padding_mask=kpm, attn_mask=am)
        b, w2 = self.mha(q, k, v, need_weights=False)
        c, w3 = self.mha(q, k, v, average_attn_weights=False)
        assert w3 is not None
        return a, w, b, c, w3


def _mha_inputs(batch_first, kdim=8, vdim=8):
    def make():
        L, S, N, E = 5, 6, 3, 8
        if batch_first:
            q, k, v = R(N, L, E), R(N, S, kdim, seed=1), R(N, S, vdim, seed=2)
        else:
            q, k, v = R(L, N, E), R(S, N, kdim, seed=1), R(S, N, vdim, seed=2)
        kpm = torch.zeros(N, S, dtype=torch.bool)
        kpm[0, -2:] = True
        am = R(L, S, seed=5)
        return (q, k, v, kpm, am)
    return make


CASES += [
    C(ACT, "MultiheadAttention", 8, 2, inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1), R(6, 3, 8, seed=2))),
    C(ACT, "MultiheadAttention", 8, 4, add_bias_kv=True, add_zero_attn=True,
      name="MultiheadAttention-biaskv", inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1), R(6, 3, 8, seed=2))),
    # PyTorch 1.13 cannot script these two (its fast-path checks read .dtype of a None
    # in_proj_bias / in_proj_weight); ours fails the same way and runs the same eagerly.
    C(ACT, "MultiheadAttention", 8, 4, bias=False, add_bias_kv=True, add_zero_attn=True,
      name="MultiheadAttention-nobias", inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1), R(6, 3, 8, seed=2)),
      script_fails=True),
    C(ACT, "MultiheadAttention", 8, 2, kdim=5, vdim=7, batch_first=True,
      name="MultiheadAttention-kvdim", inputs=lambda: (R(3, 5, 8), R(3, 6, 5, seed=1), R(3, 6, 7, seed=2)),
      script_fails=True),
    C(ACT, "MultiheadAttention", 8, 2, dropout=0.3, name="MultiheadAttention-dropout-train", train=True,
      inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1), R(6, 3, 8, seed=2))),
    C(ACT, "MultiheadAttention", 8, 2, name="MultiheadAttention-unbatched",
      inputs=lambda: (R(5, 8), R(6, 8, seed=1), R(6, 8, seed=2))),
    Case(ACT, "MultiheadAttention", build=lambda ns: _MhaUser(ns.MultiheadAttention(8, 2), False),
         name="MultiheadAttention-user-masks", inputs=_mha_inputs(False)),
    Case(ACT, "MultiheadAttention",
         build=lambda ns: _MhaUser(ns.MultiheadAttention(8, 2, batch_first=True), True),
         name="MultiheadAttention-user-fastpath", inputs=_mha_inputs(True)),
]


TR = "transformer"


def _enc(ns, n=2, norm=True, **kw):
    layer = ns.TransformerEncoderLayer(8, 2, dim_feedforward=16, **kw)
    return ns.TransformerEncoder(layer, n, ns.LayerNorm(8) if norm else None)


def _dec(ns, n=2, norm=True, **kw):
    layer = ns.TransformerDecoderLayer(8, 2, dim_feedforward=16, **kw)
    return ns.TransformerDecoder(layer, n, ns.LayerNorm(8) if norm else None)


class _EncUser(nn.Module):
    def __init__(self, enc):
        super().__init__()
        self.enc = enc

    def forward(self, x, kpm, mask):
        a = self.enc(x)
        b = self.enc(x, src_key_padding_mask=kpm)
        c = self.enc(x, mask=mask)
        return a, b, c


class _DecUser(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, tgt, mem, tmask, kpm):
        return self.dec(tgt, mem, tgt_mask=tmask, memory_key_padding_mask=kpm), self.dec(tgt, mem)


def _enc_inputs(batch_first):
    def make():
        x = R(3, 5, 8) if batch_first else R(5, 3, 8)
        kpm = torch.zeros(3, 5, dtype=torch.bool)
        kpm[1, -2:] = True
        mask = torch.triu(torch.full((5, 5), float("-inf")), diagonal=1)
        return (x, kpm, mask)
    return make


def _dec_inputs():
    kpm = torch.zeros(3, 6, dtype=torch.bool)
    kpm[2, -1] = True
    return (R(5, 3, 8), R(6, 3, 8, seed=1), torch.triu(torch.full((5, 5), float("-inf")), diagonal=1), kpm)


CASES += [
    C(TR, "TransformerEncoderLayer", 8, 2, 16, inputs=lambda: (R(5, 3, 8),)),
    C(TR, "TransformerEncoderLayer", 8, 2, 16, 0.0, "gelu", 1e-6, True, True,
      name="TransformerEncoderLayer-gelu-bf-prenorm", inputs=lambda: (R(3, 5, 8),)),
    C(TR, "TransformerEncoderLayer", 8, 2, 16, batch_first=True, dropout=0.0,
      name="TransformerEncoderLayer-fastpath", inputs=lambda: (R(3, 5, 8),)),
    C(TR, "TransformerEncoderLayer", 8, 2, 16, dropout=0.2, name="TransformerEncoderLayer-train",
      inputs=lambda: (R(5, 3, 8),), train=True),
    C(TR, "TransformerDecoderLayer", 8, 2, 16, inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1))),
    C(TR, "TransformerDecoderLayer", 8, 2, 16, 0.1, "gelu", 1e-6, True, True,
      name="TransformerDecoderLayer-gelu-bf-prenorm", inputs=lambda: (R(3, 5, 8), R(3, 6, 8, seed=1))),
    Case(TR, "TransformerEncoder", build=lambda ns: _enc(ns), name="TransformerEncoder",
         inputs=lambda: (R(5, 3, 8),)),
    Case(TR, "TransformerEncoder", build=lambda ns: _enc(ns, 3, False, batch_first=True),
         name="TransformerEncoder-bf-nonorm", inputs=lambda: (R(3, 5, 8),)),
    Case(TR, "TransformerEncoder", build=lambda ns: _EncUser(_enc(ns, batch_first=True, dropout=0.0)),
         name="TransformerEncoder-user-nested", inputs=_enc_inputs(True),
         jit_differs="after other scriptings in the process, PyTorch 1.13's scripted nested-tensor "
                     "encoder path (src_key_padding_mask, batch_first, eval) gives values up to ~2 "
                     "away from its eager run; alone in a process they agree"),
    Case(TR, "TransformerEncoder", build=lambda ns: _EncUser(_enc(ns, activation="gelu")),
         name="TransformerEncoder-user", inputs=_enc_inputs(False)),
    Case(TR, "TransformerDecoder", build=lambda ns: _dec(ns), name="TransformerDecoder",
         inputs=lambda: (R(5, 3, 8), R(6, 3, 8, seed=1))),
    Case(TR, "TransformerDecoder", build=lambda ns: _DecUser(_dec(ns, 1, norm_first=True)),
         name="TransformerDecoder-user", inputs=_dec_inputs),
    C(TR, "Transformer", 8, 2, 2, 2, 16, inputs=lambda: (R(5, 3, 8), R(4, 3, 8, seed=1))),
    C(TR, "Transformer", d_model=8, nhead=4, num_encoder_layers=1, num_decoder_layers=3, dim_feedforward=12,
      dropout=0.0, activation="gelu", batch_first=True, norm_first=True, name="Transformer-bf-gelu",
      inputs=lambda: (R(3, 5, 8), R(3, 4, 8, seed=1))),
    C(TR, "Transformer", 8, 2, 1, 1, 16, name="Transformer-train", train=True,
      inputs=lambda: (R(5, 3, 8), R(4, 3, 8, seed=1))),
]


def test_generate_square_subsequent_mask():
    ours = _Ns("TORCH").Transformer.generate_square_subsequent_mask(5)
    theirs = nn.Transformer.generate_square_subsequent_mask(5)
    assert L.outputs_equal(ours, theirs)


DIST, FOLD, CSH = "distance", "fold", "channelshuffle"
CASES += [
    C(DIST, "PairwiseDistance", inputs=lambda: (R(4, 6), R(4, 6, seed=1))),
    C(DIST, "PairwiseDistance", 1.5, 1e-3, True, name="PairwiseDistance-p", inputs=lambda: (R(4, 6), R(4, 6, seed=1))),
    C(DIST, "CosineSimilarity", inputs=lambda: (R(4, 6), R(4, 6, seed=1))),
    C(DIST, "CosineSimilarity", 0, 1e-6, name="CosineSimilarity-dim0", inputs=lambda: (R(4, 6), R(4, 6, seed=1))),
    C(FOLD, "Unfold", 3, inputs=lambda: (R(2, 3, 7, 8),)),
    C(FOLD, "Unfold", (2, 3), dilation=2, padding=1, stride=(1, 2), name="Unfold-full", inputs=lambda: (R(2, 3, 7, 8),)),
    C(FOLD, "Fold", (4, 5), 2, inputs=lambda: (R(2, 12, 12),)),
    C(FOLD, "Fold", 6, (3, 2), padding=1, stride=2, name="Fold-full", inputs=lambda: (R(2, 18, 12),)),
    C(CSH, "ChannelShuffle", 2, inputs=lambda: (R(2, 6, 3, 4),)),
]


LOSS = "loss"
_lx = lambda: (R(4, 6), R(4, 6, seed=1))  # noqa: E731
_cls_in = lambda: (R(5, 4).log_softmax(1), I(5, high=4))  # noqa: E731
_prob = lambda: (R(4, 6).sigmoid(), R(4, 6, seed=1).sigmoid())  # noqa: E731
CASES += [
    C(LOSS, "L1Loss", inputs=_lx),
    C(LOSS, "L1Loss", reduction="sum", name="L1Loss-sum", inputs=_lx),
    C(LOSS, "L1Loss", size_average=False, name="L1Loss-legacy", inputs=_lx),
    C(LOSS, "MSELoss", inputs=_lx),
    C(LOSS, "MSELoss", reduction="none", name="MSELoss-none", inputs=_lx),
    C(LOSS, "NLLLoss", inputs=_cls_in),
    C(LOSS, "NLLLoss", weight=torch.tensor([1.0, 2.0, 0.5, 1.5]), ignore_index=2, reduction="sum",
      name="NLLLoss-weight", inputs=_cls_in),
    C(LOSS, "NLLLoss2d", inputs=lambda: (R(2, 4, 3, 3).log_softmax(1), I(2, 3, 3, high=4))),
    C(LOSS, "CrossEntropyLoss", inputs=lambda: (R(5, 4), I(5, high=4))),
    C(LOSS, "CrossEntropyLoss", weight=torch.tensor([1.0, 2.0, 0.5, 1.5]), label_smoothing=0.1,
      name="CrossEntropyLoss-smooth", inputs=lambda: (R(5, 4), I(5, high=4))),
    C(LOSS, "CrossEntropyLoss", reduce=False, name="CrossEntropyLoss-legacy",
      inputs=lambda: (R(5, 4, 3), I(5, 3, high=4))),
    C(LOSS, "BCELoss", inputs=_prob),
    C(LOSS, "BCELoss", weight=R(6).abs(), reduction="sum", name="BCELoss-weight", inputs=_prob),
    C(LOSS, "BCEWithLogitsLoss", inputs=lambda: (R(4, 6), R(4, 6, seed=1).sigmoid())),
    C(LOSS, "BCEWithLogitsLoss", pos_weight=R(6).abs(), name="BCEWithLogitsLoss-pos",
      inputs=lambda: (R(4, 6), R(4, 6, seed=1).sigmoid())),
    C(LOSS, "SmoothL1Loss", inputs=_lx),
    C(LOSS, "SmoothL1Loss", beta=0.5, reduction="none", name="SmoothL1Loss-beta", inputs=_lx),
    C(LOSS, "HuberLoss", inputs=_lx),
    C(LOSS, "HuberLoss", "sum", 0.3, name="HuberLoss-delta", inputs=_lx),
    C(LOSS, "KLDivLoss", reduction="batchmean", inputs=lambda: (R(4, 6).log_softmax(1), R(4, 6, seed=1).softmax(1))),
    C(LOSS, "KLDivLoss", reduction="sum", log_target=True, name="KLDivLoss-log",
      inputs=lambda: (R(4, 6).log_softmax(1), R(4, 6, seed=1).log_softmax(1))),
]


CASES += [
    C(POOL, "FractionalMaxPool2d", 2, output_size=(5, 4), inputs=_p2),
    C(POOL, "FractionalMaxPool2d", (3, 2), output_ratio=0.5, return_indices=True,
      name="FractionalMaxPool2d-ratio", inputs=_p2),
    C(POOL, "FractionalMaxPool2d", 2, output_size=3, _random_samples=torch.rand(2, 3, 2),
      name="FractionalMaxPool2d-samples", inputs=_p2),
    C(POOL, "FractionalMaxPool3d", 2, output_size=(3, 4, 4), inputs=_p3),
    C(POOL, "FractionalMaxPool3d", 2, output_ratio=(0.5, 0.6, 0.7), return_indices=True,
      name="FractionalMaxPool3d-ratio", inputs=_p3),
]


_sign = lambda: torch.tensor([1.0, -1.0, 1.0, -1.0])  # noqa: E731
CASES += [
    C(LOSS, "PoissonNLLLoss", inputs=lambda: (R(4, 6), R(4, 6, seed=1).abs())),
    C(LOSS, "PoissonNLLLoss", False, True, eps=1e-6, reduction="sum", name="PoissonNLLLoss-full",
      inputs=lambda: (R(4, 6).abs() + 0.1, R(4, 6, seed=1).abs() * 3)),
    C(LOSS, "GaussianNLLLoss", inputs=lambda: (R(4, 6), R(4, 6, seed=1), R(4, 6, seed=2).abs())),
    C(LOSS, "GaussianNLLLoss", full=True, eps=1e-3, reduction="none", name="GaussianNLLLoss-full",
      inputs=lambda: (R(4, 6), R(4, 6, seed=1), R(4, seed=2).abs())),
    C(LOSS, "HingeEmbeddingLoss", inputs=lambda: (R(4), _sign())),
    C(LOSS, "HingeEmbeddingLoss", 0.5, reduction="sum", name="HingeEmbeddingLoss-margin",
      inputs=lambda: (R(4), _sign())),
    C(LOSS, "MultiLabelMarginLoss", inputs=lambda: (R(2, 4), torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1]]))),
    C(LOSS, "SoftMarginLoss", inputs=lambda: (R(4), _sign())),
    C(LOSS, "MultiLabelSoftMarginLoss", inputs=lambda: (R(3, 5), I(3, 5, high=2).float())),
    C(LOSS, "MultiLabelSoftMarginLoss", weight=R(5).abs(), reduction="none", name="MultiLabelSoftMarginLoss-w",
      inputs=lambda: (R(3, 5), I(3, 5, high=2).float())),
    C(LOSS, "CosineEmbeddingLoss", inputs=lambda: (R(4, 6), R(4, 6, seed=1), _sign())),
    C(LOSS, "CosineEmbeddingLoss", 0.3, reduction="sum", name="CosineEmbeddingLoss-margin",
      inputs=lambda: (R(4, 6), R(4, 6, seed=1), _sign())),
    C(LOSS, "MarginRankingLoss", inputs=lambda: (R(4), R(4, seed=1), _sign())),
    C(LOSS, "MarginRankingLoss", 0.2, name="MarginRankingLoss-margin", inputs=lambda: (R(4), R(4, seed=1), _sign())),
    C(LOSS, "MultiMarginLoss", inputs=lambda: (R(5, 4), I(5, high=4))),
    C(LOSS, "MultiMarginLoss", 2, 0.5, weight=R(4).abs(), name="MultiMarginLoss-p2", inputs=lambda: (R(5, 4), I(5, high=4))),
    C(LOSS, "TripletMarginLoss", inputs=lambda: (R(4, 6), R(4, 6, seed=1), R(4, 6, seed=2))),
    C(LOSS, "TripletMarginLoss", 0.5, 1.0, swap=True, reduction="none", name="TripletMarginLoss-swap",
      inputs=lambda: (R(4, 6), R(4, 6, seed=1), R(4, 6, seed=2))),
    C(LOSS, "CTCLoss", inputs=lambda: (R(12, 2, 5).log_softmax(2), torch.tensor([[1, 2, 2], [3, 1, 4]]),
                                       torch.tensor([12, 10]), torch.tensor([3, 2]))),
    C(LOSS, "CTCLoss", 0, "sum", True, name="CTCLoss-sum",
      inputs=lambda: (R(12, 2, 5).log_softmax(2), torch.tensor([[1, 2, 2], [3, 1, 4]]),
                      torch.tensor([12, 10]), torch.tensor([3, 2]))),
]


def _param_cases():
    out = []
    for c in CASES:
        for mode in ("mod", "full"):
            cid = "%s[%s]" % (c.name, mode)
            marks = []
            if cid in KNOWN:
                marks = [pytest.mark.xfail(reason=KNOWN[cid], strict=True)]
            elif c.name in KNOWN:
                marks = [pytest.mark.xfail(reason=KNOWN[c.name], strict=True)]
            out.append(pytest.param(c, mode, id=cid, marks=marks))
    return out


def _prefix(mode):
    return "Torch" if mode == "mod" else "TORCH"


def _construct_pair(case, mode):
    ns = _Ns(_prefix(mode))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(case.seed)
        ours = case.construct(ns)
        torch.manual_seed(case.seed)
        theirs = case.construct(nn)
    ours.train(case.train)
    theirs.train(case.train)
    return ours, theirs


_THEIR_SCRIPT_ERRORS = {}


def _error_head(exc):
    # A scripting error's text up to its first source location.
    return (type(exc).__name__, str(exc).split('File "')[0].strip())


def _diff(what, ours, theirs):
    import difflib
    a = "\n".join(x if isinstance(x, str) else repr(x) for x in ours).splitlines()
    b = "\n".join(x if isinstance(x, str) else repr(x) for x in theirs).splitlines()
    return "%s differs (- ours, + PyTorch):\n%s" % (
        what, "\n".join(difflib.unified_diff(a, b, lineterm="", n=2)))


def _clone(inputs):
    return [x.clone() if isinstance(x, torch.Tensor) else copy.deepcopy(x) for x in inputs]


def _run(m, inputs, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        return m(*inputs)


@pytest.mark.parametrize("case,mode", _param_cases())
def test_module(case, mode):
    ours, theirs = _construct_pair(case, mode)
    assert type(ours).__name__ == type(theirs).__name__
    assert L.normalise(type(ours).__module__) == type(theirs).__module__

    # Construction: state_dict, repr, attributes.
    assert L.state_signature(ours) == L.state_signature(theirs)
    assert repr(ours) == repr(theirs)
    assert L.attribute_signature(ours) == L.attribute_signature(theirs)

    # Eager outputs (inputs cloned: some configurations are in-place).
    inputs = case.inputs()
    out_e_ours = _run(ours, _clone(inputs), 11)
    out_e_theirs = _run(theirs, _clone(inputs), 11)
    assert L.outputs_equal(out_e_ours, out_e_theirs)

    if case.script_fails:
        # A failed scripting leaves PyTorch's class half-defined in the process (scripting
        # it again fails differently), so PyTorch's first error is kept for both modes.
        errors = []
        for m in (ours, theirs):
            if m is theirs and case.name in _THEIR_SCRIPT_ERRORS:
                errors.append(_THEIR_SCRIPT_ERRORS[case.name])
                continue
            L.fresh_annotations(m)
            with pytest.raises(Exception) as info:
                torch.jit.script(m)
            errors.append(_error_head(info.value))
        _THEIR_SCRIPT_ERRORS[case.name] = errors[1]
        assert errors[0] == errors[1]
        return

    # Scripting.
    L.fresh_annotations(ours)
    s_ours = torch.jit.script(ours)
    L.fresh_annotations(theirs)
    s_theirs = torch.jit.script(theirs)
    assert L.normalise(str(s_ours._c._type().qualified_name())) == \
        L.normalise(str(s_theirs._c._type().qualified_name()))
    # Every compiled method (RNN/LSTM/GRU have forward__0 and forward__1, no forward).
    methods = s_theirs._c._method_names()
    assert s_ours._c._method_names() == methods
    for name in methods:
        m_ours, m_theirs = s_ours._c._get_method(name), s_theirs._c._get_method(name)
        assert L.normalise(m_ours.code) == L.normalise(m_theirs.code), name
        assert L.node_kinds(m_ours.graph) == L.node_kinds(m_theirs.graph), name
        assert L.node_kinds(m_ours.inlined_graph) == L.node_kinds(m_theirs.inlined_graph), name
    files_ours = L.archive_files(s_ours)
    files_theirs = L.archive_files(s_theirs)
    assert sorted(files_ours) == sorted(files_theirs)
    for k in files_theirs:
        assert files_ours[k] == files_theirs[k], _diff(k, files_ours[k], files_theirs[k])

    entry = "forward" if "forward" in methods else "forward__0"
    out_s_ours = _run(getattr(s_ours, entry), _clone(inputs), 11)
    out_s_theirs = _run(getattr(s_theirs, entry), _clone(inputs), 11)
    assert L.outputs_equal(out_s_ours, out_s_theirs)
    # PyTorch's scripted module against its eager one (a check of the harness, not of
    # nnlib): the same ops, but the JIT's passes may regroup float32 arithmetic, so a few
    # ulps of O(1) values are allowed; ours against PyTorch's above stays bit for bit.
    if case.jit_differs is None:
        assert L.outputs_close(out_s_theirs, out_e_theirs, rtol=1e-5, atol=1e-6)


def test_known_failures_name_real_cases():
    ids = set()
    for c in CASES:
        ids.add(c.name)
        ids.add("%s[mod]" % c.name)
        ids.add("%s[full]" % c.name)
    ids |= set(FUNCTIONAL_IDS) | set(INIT_IDS) | set(FUNCTIONAL_CALL_IDS)
    stale = [k for k in KNOWN if k not in ids]
    assert not stale, "known_failures.txt names no case: %s" % stale


# ---------------------------------------------------------------- functional.py

def _our_F():
    return L.load("torch.nn.functional", "TORCH")


def _is_python_function(f):
    import types
    return isinstance(f, types.FunctionType)


def _public_names(mod):
    return [n for n, v in vars(mod).items() if callable(v) and not isinstance(v, type)
            and not n.startswith("__") and getattr(v, "__module__", "") != "typing"]


# Names of PyTorch 1.13's F that our functional.py does not define: the __torch_function__
# machinery (TorchScript drops it), the docstring helper, and
# triplet_margin_with_distance_loss (PyTorch 1.13 cannot script it: keyword-only arguments
# with defaults). Listed so that a name dropped by mistake fails
# test_functional_names_accounted_for.
_F_NOT_PROVIDED = {
    "_add_docstr", "handle_torch_function", "has_torch_function", "has_torch_function_unary",
    "has_torch_function_variadic", "triplet_margin_with_distance_loss",
}


def _defined_in_our_F(name):
    # A name our functional.py defines or binds to a builtin (not one it imports).
    v = getattr(_our_F(), name)
    if _is_python_function(v):
        return v.__module__ == _our_F().__name__
    return True


# Our F's names, each with the kind PyTorch's has.
FUNCTIONAL_IDS = sorted(n for n in _public_names(_our_F())
                        if hasattr(torch.nn.functional, n) and _defined_in_our_F(n))


@pytest.mark.parametrize("name", FUNCTIONAL_IDS)
def test_functional_definition(name):
    """Each function of our F is what PyTorch's is: the same builtin op, or a Python function
    with the same signature whose scripted code is PyTorch's, or a boolean_dispatch over two
    such functions."""
    from torch._jit_internal import boolean_dispatched
    ours = getattr(_our_F(), name)
    theirs = getattr(torch.nn.functional, name)
    if theirs in boolean_dispatched:
        assert ours in boolean_dispatched, name
        a, b = boolean_dispatched[ours], boolean_dispatched[theirs]
        for key in ("index", "default", "arg_name"):
            assert a[key] == b[key], (name, key)
        pairs = [(a["if_true"], b["if_true"]), (a["if_false"], b["if_false"])]
    elif not _is_python_function(theirs):
        assert ours is theirs, "%s: PyTorch binds a builtin (%r)" % (name, theirs)
        return
    elif id(theirs) in torch.jit._builtins._get_builtin_table():
        # PyTorch compiles this Python function as a builtin op; ours must map to the same.
        table = torch.jit._builtins._get_builtin_table()
        assert table.get(id(ours)) == table[id(theirs)], name
        return
    else:
        assert _is_python_function(ours), name
        pairs = [(ours, theirs)]
    import inspect
    for o, t in pairs:
        so, st = inspect.signature(o), inspect.signature(t)
        assert list(so.parameters) == list(st.parameters), name
        for p in st.parameters:
            assert so.parameters[p].default == st.parameters[p].default, (name, p)
        if name in ("interpolate", "upsample", "upsample_nearest", "upsample_bilinear"):
            continue  # overloaded: compiled per call site (test_overloaded_call_sites)
        co = torch.jit.script(o).code
        ct = torch.jit.script(t).code
        assert L.normalise(co) == L.normalise(ct), name


def test_functional_names_accounted_for():
    ours = set(_public_names(_our_F()))
    theirs = set(n for n in _public_names(torch.nn.functional) if not n.startswith("__"))
    missing = sorted(theirs - ours - _F_NOT_PROVIDED)
    assert not missing, "PyTorch's F has names ours neither defines nor lists as not provided: %s" % missing
    extra = sorted(ours - theirs - {"rms_norm"})
    assert not extra, "names PyTorch 1.13's F does not have: %s" % extra


def _f_calls():
    x = R(2, 3, 6, 7, scale=2.0)
    x3 = R(2, 3, 10, scale=2.0)
    idx = I(3, 4)
    w = R(10, 5)
    return [
        ("relu", (x,), {}), ("relu", (x.clone(),), {"inplace": True}),
        ("threshold", (x, 0.5, -1.0), {}), ("glu", (x,), {"dim": 1}) if False else ("glu", (R(2, 4, 6),), {"dim": 1}),
        ("hardtanh", (x, -0.5, 0.7), {}), ("relu6", (x,), {}), ("elu", (x, 0.3), {}),
        ("selu", (x,), {}), ("celu", (x, 0.8), {}), ("leaky_relu", (x, 0.2), {}),
        ("rrelu", (x,), {"training": True}), ("tanhshrink", (x,), {}), ("softsign", (x,), {}),
        ("softmin", (x,), {"dim": 1}), ("softmax", (x,), {"dim": -1}), ("log_softmax", (x,), {"dim": 0}),
        ("softmax", (x,), {"dim": 2, "dtype": torch.float64}), ("tanh", (x,), {}), ("sigmoid", (x,), {}),
        ("hardsigmoid", (x,), {}), ("silu", (x,), {}), ("mish", (x,), {}), ("hardswish", (x,), {}),
        ("dropout", (x, 0.3), {}), ("alpha_dropout", (x, 0.3, True), {}), ("dropout1d", (x3, 0.3), {}),
        ("dropout2d", (x, 0.4), {}), ("dropout3d", (R(2, 3, 4, 5, 6), 0.4), {}),
        ("feature_alpha_dropout", (x, 0.2, True), {}),
        ("batch_norm", (x, torch.zeros(3), torch.ones(3)), {"training": True}),
        ("instance_norm", (x,), {}), ("layer_norm", (x, [6, 7]), {}), ("group_norm", (x, 3), {}),
        ("local_response_norm", (x, 2), {}), ("local_response_norm", (x3, 3), {}),
        ("embedding", (idx, w), {"padding_idx": 1}), ("embedding", (idx, w.clone()), {"max_norm": 1.0}),
        ("max_pool1d", (x3, 3), {}), ("max_pool2d", (x, 2), {"return_indices": True}),
        ("max_pool3d", (R(2, 3, 4, 5, 6), 2), {}), ("lp_pool1d", (x3.abs(), 2.0, 3), {}),
        ("lp_pool2d", (x.abs(), 2.0, 2), {"stride": 1}), ("adaptive_max_pool1d", (x3, 4), {}),
        ("adaptive_max_pool2d", (x, (3, 2)), {"return_indices": True}),
        ("adaptive_avg_pool2d", (x, (None, 3)), {}), ("adaptive_avg_pool3d", (R(2, 3, 4, 5, 6), 2), {}),
        ("interpolate", (x,), {"scale_factor": 2.0, "mode": "bilinear"}),
        ("interpolate", (x,), {"size": (3, 4), "mode": "area"}),
        ("interpolate", (x3,), {"scale_factor": 1.5, "mode": "linear", "recompute_scale_factor": True}),
        ("normalize", (x,), {}), ("normalize", (x, 1.0, -1), {}), ("gumbel_softmax", (x,), {"tau": 0.5}),
        ("gumbel_softmax", (x,), {"hard": True, "dim": 1}),
        ("affine_grid", (R(2, 2, 3), [2, 3, 5, 6]), {"align_corners": False}),
        ("affine_grid", (R(2, 3, 4), [2, 3, 4, 5, 6]), {"align_corners": True}),
        ("grid_sample", (x, R(2, 4, 5, 2).tanh()), {"align_corners": False}),
        ("grid_sample", (x, R(2, 4, 5, 2).tanh() * 1.2), {"mode": "nearest", "padding_mode": "border",
                                                         "align_corners": True}),
        ("grid_sample", (x, R(2, 4, 5, 2).tanh() * 1.2), {"mode": "bicubic", "padding_mode": "reflection",
                                                         "align_corners": False}),
    ]


FUNCTIONAL_CALL_IDS = ["%s-%d" % (c[0], i) for i, c in enumerate(_f_calls())]


@pytest.mark.parametrize("i", range(len(FUNCTIONAL_CALL_IDS)), ids=FUNCTIONAL_CALL_IDS)
def test_functional_values(i):
    name, args, kwargs = _f_calls()[i]
    ours, theirs = getattr(_our_F(), name), getattr(torch.nn.functional, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = [x.clone() if isinstance(x, torch.Tensor) else x for x in args]
        b = [x.clone() if isinstance(x, torch.Tensor) else x for x in args]
        torch.manual_seed(3)
        out_o = ours(*a, **kwargs)
        torch.manual_seed(3)
        out_t = theirs(*b, **kwargs)
    assert L.outputs_equal(out_o, out_t), name
    for x, y in zip(a, b):  # in-place effects (inplace=True, max_norm renormalising)
        if isinstance(x, torch.Tensor):
            assert L.outputs_equal(x, y), name


def test_functional_errors():
    F_ours = _our_F()
    cases = [
        ("dropout", (R(3), 1.5), {}), ("glu", (torch.tensor(1.0),), {}),
        ("local_response_norm", (R(3, 4), 2), {}), ("dropout1d", (R(2, 3, 4, 5), 0.5), {}),
        ("interpolate", (R(1, 2, 4, 4),), {}), ("interpolate", (R(1, 2, 4, 4),), {"size": 3, "scale_factor": 2.0}),
        ("interpolate", (R(1, 2, 4, 4),), {"size": 3, "mode": "nearest", "align_corners": True}),
        ("interpolate", (R(1, 2, 4),), {"size": 3, "mode": "bilinear"}),
        ("batch_norm", (R(1, 3), None, None), {"training": True}),
        ("group_norm", (R(1, 2, 1), 2), {}),
    ]
    for name, args, kwargs in cases:
        errs = []
        for f in (getattr(F_ours, name), getattr(torch.nn.functional, name)):
            with pytest.raises(Exception) as info:
                f(*args, **kwargs)
            errs.append((type(info.value).__name__, str(info.value)))
        assert errs[0] == errs[1], name


# ---------------------------------------------------------------- init.py

def _our_init():
    return L.load("torch.nn.init", "TORCH")


def _init_calls():
    return [
        ("uniform_", (5, 7), (), {}), ("uniform_", (5, 7), (-0.3, 0.9), {}),
        ("normal_", (5, 7), (), {}), ("normal_", (64,), (1.5, 0.2), {}),
        ("trunc_normal_", (40, 30), (), {}), ("trunc_normal_", (40, 30), (0.5, 2.0, -1.0, 3.0), {}),
        ("trunc_normal_", (10,), (5.0, 1.0, -1.0, 1.0), {}),  # mean far outside: warns
        ("constant_", (3, 4), (0.75,), {}), ("ones_", (3, 4), (), {}), ("zeros_", (3, 4), (), {}),
        ("xavier_uniform_", (6, 9), (), {}), ("xavier_uniform_", (6, 9, 3, 3), (2.0,), {}),
        ("xavier_normal_", (6, 9), (), {}), ("xavier_normal_", (4, 2, 5), (), {"gain": 0.5}),
        ("kaiming_uniform_", (8, 5), (), {}), ("kaiming_uniform_", (8, 5, 3, 3), (math.sqrt(5),), {}),
        ("kaiming_uniform_", (8, 5, 3), (), {"mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming_uniform_", (8, 5), (), {"mode": "FAN_IN", "nonlinearity": "tanh"}),
        ("kaiming_normal_", (8, 5), (), {}), ("kaiming_normal_", (8, 5, 2, 2), (0.2,), {"mode": "fan_out"}),
        ("kaiming_normal_", (0, 5), (), {}),  # zero elements: a warning, no draw
        ("kaiming_uniform_", (3, 0), (), {}),
        ("eye_", (4, 6), (), {}), ("dirac_", (4, 3, 5), (), {}), ("dirac_", (6, 2, 3, 3), (2,), {}),
        ("dirac_", (2, 4, 3, 3, 3), (), {}), ("orthogonal_", (5, 8), (), {}),
        ("orthogonal_", (8, 3, 2), (1.5,), {}), ("orthogonal_", (0, 3), (), {}),
        ("sparse_", (10, 6), (0.3,), {}), ("sparse_", (7, 4), (0.5, 0.2), {}),
    ]


INIT_IDS = ["%s-%d" % (c[0], i) for i, c in enumerate(_init_calls())]


@pytest.mark.parametrize("i", range(len(INIT_IDS)), ids=INIT_IDS)
def test_init_values(i):
    name, shape, args, kwargs = _init_calls()[i]
    ours, theirs = getattr(_our_init(), name), getattr(torch.nn.init, name)
    a, b = torch.empty(shape), torch.empty(shape)
    with warnings.catch_warnings(record=True) as wa:
        warnings.simplefilter("always")
        torch.manual_seed(21)
        ra = ours(a, *args, **kwargs)
        next_a = torch.rand(3)  # the generator advanced by the same amount
    with warnings.catch_warnings(record=True) as wb:
        warnings.simplefilter("always")
        torch.manual_seed(21)
        rb = theirs(b, *args, **kwargs)
        next_b = torch.rand(3)
    assert ra is a and rb is b
    assert L.outputs_equal(a, b), name
    assert L.outputs_equal(next_a, next_b), name
    assert [str(w.message) for w in wa] == [str(w.message) for w in wb]


def test_init_gain_and_fans():
    ours = _our_init()
    for nl in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert ours.calculate_gain(nl) == torch.nn.init.calculate_gain(nl)
        assert type(ours.calculate_gain(nl)) == type(torch.nn.init.calculate_gain(nl))
    for p in [0.2, 3, math.sqrt(5), None]:
        assert ours.calculate_gain("leaky_relu", p) == torch.nn.init.calculate_gain("leaky_relu", p)
    for bad in [("leaky_relu", True), ("leaky_relu", "x"), ("softplus", None)]:
        errs = []
        for f in (ours.calculate_gain, torch.nn.init.calculate_gain):
            with pytest.raises(ValueError) as info:
                f(*bad)
            errs.append(str(info.value))
        assert errs[0] == errs[1]
    for shape in [(3, 4), (3, 4, 5), (6, 2, 3, 3), (2, 3, 1, 4, 5)]:
        t = torch.empty(shape)
        assert ours._calculate_fan_in_and_fan_out(t) == torch.nn.init._calculate_fan_in_and_fan_out(t)
    for f, args in [(ours._calculate_fan_in_and_fan_out, (torch.empty(3),)),
                    (ours.kaiming_uniform_, (torch.empty(3, 4), 0, "fan_avg"))]:
        name = f.__name__
        with pytest.raises(ValueError) as a:
            f(*args)
        with pytest.raises(ValueError) as b:
            getattr(torch.nn.init, name)(*args)
        assert str(a.value) == str(b.value)


def test_utils_tuples():
    ours = L.load("torch.nn.modules.utils", "TORCH")
    from torch.nn.modules import utils as theirs
    for x in [3, 2.5, (1, 2), [4, 5, 6], (7,)]:
        for n in ("_single", "_pair", "_triple", "_quadruple"):
            assert getattr(ours, n)(x) == getattr(theirs, n)(x), (n, x)
    assert ours._reverse_repeat_tuple((1, 2, 3), 2) == theirs._reverse_repeat_tuple((1, 2, 3), 2)
    assert ours._list_with_default([None, 3], [1, 2, 7, 8]) == theirs._list_with_default([None, 3], [1, 2, 7, 8])
    assert ours._list_with_default(5, [1, 2]) == theirs._list_with_default(5, [1, 2])


# ---------------------------------------------------------------- containers, Python side

def _tree(m):
    # The module tree as (name, class name, repr) rows: what construction code observes.
    return [(n, type(x).__name__, repr(x)) for n, x in m.named_modules()]


def test_container_protocol():
    """What constructors do with containers (index, slice, delete, insert, pop, +, *, +=,
    ModuleList/ModuleDict editing) gives PyTorch's trees and keys."""
    ns = _Ns("TORCH")
    results = []
    for lib in (ns, nn):
        torch.manual_seed(5)
        s = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 4), lib.Tanh())
        out = [len(s), repr(s[-1]), repr(s[1:3]), type(s[1:3]).__name__]
        del s[1]
        out.append(list(s._modules.keys()))
        s.insert(0, lib.SiLU())
        s.insert(-1, lib.GELU())
        out.append(_tree(s))
        out.append(repr(s.pop(2)))
        s[0] = lib.Identity()
        t = s + lib.Sequential(lib.Sigmoid())
        out.append(_tree(t))
        u = lib.Sequential(lib.ReLU()) * 3
        out.append(_tree(u))
        s += lib.Sequential(lib.ELU())
        out.append(_tree(s))
        for bad in (lambda: s[10], lambda: s.insert(20, lib.ReLU())):
            with pytest.raises(IndexError) as info:
                bad()
            out.append(str(info.value))
        ml = lib.ModuleList([lib.Linear(2, 2), lib.ReLU()])
        ml.append(lib.Tanh())
        ml.extend([lib.SiLU(), lib.GELU()])
        ml.insert(1, lib.Identity())
        out.append(_tree(ml))
        out.append(repr(ml[-2]))
        out.append(_tree(ml[1:4]))
        del ml[0]
        out.append(list(ml._modules.keys()))
        ml2 = ml + lib.ModuleList([lib.ReLU6()])
        out.append(_tree(ml2))
        out.append(repr(ml.pop(1)))
        md = lib.ModuleDict({"b": lib.ReLU(), "a": lib.Tanh()})
        md.update([("c", lib.SiLU())])
        md.update(OrderedDict([("d", lib.GELU())]))
        md["e"] = lib.Identity()
        out.append(list(md.keys()))
        out.append("a" in md)
        out.append(repr(md.pop("b")))
        out.append(len(md))
        out.append(_tree(md))
        with pytest.raises(ValueError) as info:
            md.update([("x", lib.ReLU(), 3)])
        out.append(str(info.value))
        results.append(out)
    assert results[0] == results[1]


_CTOR_ERRORS = [
    ("Conv2d", (4, 6, 3), {"groups": 0}), ("Conv2d", (4, 6, 3), {"groups": 3}),
    ("Conv2d", (4, 6, 3), {"groups": 4}), ("Conv1d", (4, 6, 3), {"padding": "full"}),
    ("Conv1d", (4, 6, 3), {"padding": "same", "stride": 2}),
    ("ConvTranspose2d", (4, 6, 3), {"padding_mode": "reflect"}),
    ("Dropout", (1.5,), {}), ("Dropout2d", (-0.1,), {}), ("GroupNorm", (4, 6), {}),
    ("MultiheadAttention", (10, 3), {}), ("RNN", (4, 5), {"dropout": 2.0}),
    ("LSTM", (4, 5), {"proj_size": 5}), ("LSTM", (4, 5), {"proj_size": -1}),
    ("GRU", (4, 5), {"proj_size": 2}), ("RNN", (4, 5), {"nonlinearity": "gelu"}),
    ("Embedding", (5, 3), {"padding_idx": 5}), ("Embedding", (5, 3), {"padding_idx": -6}),
    ("Unflatten", (1, (2, 2.5)), {}), ("Unflatten", (1.5, (2, 2)), {}), ("Unflatten", (1, 4), {}),
    ("FractionalMaxPool2d", (2,), {}), ("FractionalMaxPool2d", (2, 3, 0.5), {}),
    ("FractionalMaxPool2d", (2,), {"output_ratio": 1.5}), ("Hardtanh", (1.0, 0.5), {}),
    ("MultiMarginLoss", (3,), {}), ("TransformerEncoderLayer", (8, 2), {"activation": "tanh"}),
    ("RMSNorm", (4,), {}) if hasattr(nn, "RMSNorm") else ("GroupNorm", (3, 7), {}),
]


@pytest.mark.parametrize("i", range(len(_CTOR_ERRORS)),
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(_CTOR_ERRORS)])
def test_constructor_errors(i):
    """Invalid constructor arguments: the same exception type and message as PyTorch's
    (messages naming a Python set are PyTorch's in one fixed order, see conv.py)."""
    name, args, kwargs = _CTOR_ERRORS[i]
    errs = []
    for lib in (_Ns("TORCH"), nn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                getattr(lib, name)(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - comparing whatever PyTorch raises
                errs.append((type(e).__name__, str(e)))
            else:
                errs.append(None)
    assert errs[1] is not None, "PyTorch accepts %s%r" % (name, args)
    if name == "Conv1d" and "Invalid padding string" in errs[1][1]:
        # PyTorch prints a set whose order depends on string hashing.
        assert errs[0][1].split("should be one of")[0] == errs[1][1].split("should be one of")[0]
        return
    assert errs[0] == errs[1]


def test_harness_detects_differences():
    """The comparisons fail on the differences they exist for: a swapped order of random
    draws, a different attribute order, a different op in forward, a different repr."""
    import math as _m

    class BiasFirst(nn.Linear):
        def reset_parameters(self):
            bound = 1 / _m.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound)
            nn.init.kaiming_uniform_(self.weight, a=_m.sqrt(5))

    class OtherOp(nn.Linear):
        def forward(self, input):
            return torch.nn.functional.linear(input, self.weight, self.bias).relu()

    class OtherOrder(nn.Module):
        def __init__(self):
            super().__init__()
            self.out_features = 3
            self.in_features = 2

    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.in_features = 2
            self.out_features = 3

    torch.manual_seed(1)
    a = nn.Linear(4, 3)
    torch.manual_seed(1)
    b = BiasFirst(4, 3)
    assert L.state_signature(a) != L.state_signature(b)
    assert L.attribute_signature(OtherOrder()) != L.attribute_signature(Plain())
    c = OtherOp(4, 3)
    assert L.normalise(torch.jit.script(a).code) != L.normalise(torch.jit.script(c).code)
    assert L.node_kinds(torch.jit.script(a).graph) != L.node_kinds(torch.jit.script(c).graph)
    assert repr(nn.ReLU(True)) != repr(nn.ReLU())
    x = R(2, 4)
    assert not L.outputs_equal(a(x), c(x))


_CALL_SITES = [
    ("interpolate(x, size=5)", "interpolate"),
    ("interpolate(x, size=[5, 6], mode='bilinear', align_corners=False)", "interpolate"),
    ("interpolate(x, scale_factor=2.0, mode='nearest')", "interpolate"),
    ("interpolate(x, scale_factor=[1.5, 2.0], mode='bicubic', align_corners=True)", "interpolate"),
    ("upsample(x, size=7)", "upsample"),
    ("upsample(x, scale_factor=2.0, mode='bilinear', align_corners=True)", "upsample"),
    ("upsample_nearest(x, size=[5, 9])", "upsample_nearest"),
    ("upsample_nearest(x, scale_factor=3.0)", "upsample_nearest"),
    ("upsample_bilinear(x, size=6)", "upsample_bilinear"),
    ("upsample_bilinear(x, scale_factor=[2.0, 1.5])", "upsample_bilinear"),
    ("max_pool2d(x, 2, return_indices=True)[1]", "max_pool2d"),
    ("adaptive_max_pool2d(x, 3)", "adaptive_max_pool2d"),
]


def _scripted_call(Fmod, expr, tag):
    # A function calling F.<expr>, scripted with F bound to Fmod (its own globals, so the
    # overload or dispatch picked at this call site is Fmod's).
    src = "def site_%s(x: Tensor) -> Tensor:\n    return F.%s\n" % (tag, expr)
    path = os.path.join(HERE, "_generated_call_site_%s.py" % tag)
    glb = {"F": Fmod, "Tensor": torch.Tensor, "__name__": "call_site_%s" % tag}
    import linecache
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    exec(compile(src, path, "exec"), glb)
    return torch.jit.script(glb["site_%s" % tag])


@pytest.mark.parametrize("i", range(len(_CALL_SITES)), ids=[c[1] + "-%d" % i for i, c in enumerate(_CALL_SITES)])
def test_overloaded_call_sites(i):
    """Overloaded (interpolate, upsample*) and boolean-dispatched (max_pool*) functions of
    our F pick PyTorch's variant at a call site: the same code for the caller and for every
    function it reaches, the same inlined graph, the same values."""
    expr, _ = _CALL_SITES[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s_ours = _scripted_call(_our_F(), expr, "ours%d" % i)
        s_theirs = _scripted_call(torch.nn.functional, expr, "theirs%d" % i)
        g_ours, g_theirs = s_ours.graph.copy(), s_theirs.graph.copy()
        torch._C._jit_pass_inline(g_ours)
        torch._C._jit_pass_inline(g_theirs)
        assert L.node_kinds(g_ours) == L.node_kinds(g_theirs)
        assert L.normalise(s_ours.code).replace("ours%d" % i, "X") == \
            L.normalise(s_theirs.code).replace("theirs%d" % i, "X")
        x = R(2, 3, 4, 5)
        assert L.outputs_equal(s_ours(x), s_theirs(x))
