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
                 name=None, seed=7):
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


def C(file, cls, *args, inputs=None, train=False, name=None, **kwargs):
    return Case(file, cls, args, kwargs, inputs=inputs, train=train, name=name)


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

    # Scripting.
    L.fresh_annotations(ours)
    s_ours = torch.jit.script(ours)
    L.fresh_annotations(theirs)
    s_theirs = torch.jit.script(theirs)
    assert L.normalise(s_ours.code) == L.normalise(s_theirs.code)
    assert L.normalise(str(s_ours._c._type().qualified_name())) == \
        L.normalise(str(s_theirs._c._type().qualified_name()))
    assert L.node_kinds(s_ours.graph) == L.node_kinds(s_theirs.graph)
    assert L.node_kinds(s_ours.inlined_graph) == L.node_kinds(s_theirs.inlined_graph)
    files_ours = L.archive_files(s_ours)
    files_theirs = L.archive_files(s_theirs)
    assert sorted(files_ours) == sorted(files_theirs)
    for k in files_theirs:
        assert files_ours[k] == files_theirs[k], _diff(k, files_ours[k], files_theirs[k])

    out_s_ours = _run(s_ours, _clone(inputs), 11)
    out_s_theirs = _run(s_theirs, _clone(inputs), 11)
    assert L.outputs_equal(out_s_ours, out_s_theirs)
    assert L.outputs_equal(out_s_theirs, out_e_theirs)


def test_known_failures_name_real_cases():
    ids = set()
    for c in CASES:
        ids.add(c.name)
        ids.add("%s[mod]" % c.name)
        ids.add("%s[full]" % c.name)
    ids |= set(FUNCTIONAL_IDS) | set(INIT_IDS)
    stale = [k for k in KNOWN if k not in ids]
    assert not stale, "known_failures.txt names no case: %s" % stale


FUNCTIONAL_IDS = []
INIT_IDS = []
