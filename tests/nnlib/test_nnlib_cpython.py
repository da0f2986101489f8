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
    out_e_ours = _run(ours, [x.clone() for x in inputs], 11)
    out_e_theirs = _run(theirs, [x.clone() for x in inputs], 11)
    assert L.outputs_equal(out_e_ours, out_e_theirs)

    # Scripting.
    s_ours = torch.jit.script(ours)
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
        assert files_ours[k] == files_theirs[k], k

    out_s_ours = _run(s_ours, [x.clone() for x in inputs], 11)
    out_s_theirs = _run(s_theirs, [x.clone() for x in inputs], 11)
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
