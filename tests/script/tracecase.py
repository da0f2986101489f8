"""PyTorch's half of the corpus trace check (test_script_corpus.py, kind
`trace`): what torch.jit.trace makes of a corpus source, cached.

For a source whose reference (scriptcase.build) exists: the model is built as
the reference built it (same constructor, the reference's weights.pt,
eval()), traced on the reference's inputs with torch.jit.trace(check_trace=
False), saved, loaded back, and the loaded forward's graph inlined
(torch._C._jit_pass_inline); the node kinds of that graph, in order, and the
trace's outputs are kept. A source PyTorch cannot trace (a non-tensor input,
a method other than forward, an error while tracing) is marked untraceable
with PyTorch's reason: the check is skipped for it.

Both sides go through save and load, so the kinds compared are those of the
code each archive holds, after the same compilation and inlining.

Cached under $TSCRIPT_BUILD/trace-cache/<key>/ (key: PyTorch, NumPy and
Python versions and this file and scriptcase.py), one pickle per source.
"""
import hashlib
import os
import pickle
import platform
import tempfile
import warnings

import numpy as np
import torch

import harness
import scriptcase

HERE = os.path.dirname(os.path.abspath(__file__))


def tensor_tree(v):
    if isinstance(v, torch.Tensor):
        return True
    if isinstance(v, (tuple, list)):
        return all(tensor_tree(x) for x in v)
    if isinstance(v, dict):
        return all(tensor_tree(x) for x in v.values())
    return False


def graph_kinds(module):
    """Node kinds of module.forward's graph after inlining, in order."""
    g = module.forward.graph.copy()
    torch._C._jit_pass_inline(g)
    return [n.kind() for n in g.nodes()]


def _cache_root():
    if os.environ.get("TSCRIPT_NO_CACHE") == "1":
        return None
    base = os.environ.get("TSCRIPT_BUILD")
    if not base or not os.path.isdir(base):
        return None
    h = hashlib.sha256()
    for v in (torch.__version__, np.__version__, platform.python_version()):
        h.update(v.encode() + b"\0")
    for path in (os.path.abspath(__file__), os.path.join(HERE, "scriptcase.py")):
        with open(path, "rb") as f:
            h.update(f.read())
    key = h.hexdigest()[:20]
    return harness.keyed_cache(os.path.join(base, "trace-cache"), key)


_root = {}


def trace_reference(case, ref):
    """{"traceable", "why", "kinds", "flat", "warnings"} for a case."""
    if "root" not in _root:
        _root["root"] = _cache_root()
    root = _root["root"]
    path = None
    if root:
        path = os.path.join(root, "%s-%s.pickle" % (case.name, scriptcase.case_key(case)))
        if os.path.exists(path):
            with open(path, "rb") as f:
                return pickle.load(f)
    meta = _build(case, ref)
    if path:
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "wb") as f:
            pickle.dump(meta, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    return meta


def _build(case, ref):
    inputs = ref.load_inputs()
    if case.method != "forward":
        return {"traceable": False, "why": "the check calls %s, torch.jit.trace traces forward" % case.method}
    if not all(tensor_tree(x) for x in inputs):
        return {"traceable": False, "why": "an input is not a tensor (torch.jit.trace refuses it)"}
    with tempfile.TemporaryDirectory() as tmp, torch.random.fork_rng(devices=[]):
        try:
            module = scriptcase.import_source(case, tmp)
            model = scriptcase.construct(case, module)
            model.load_state_dict(torch.load(ref.weights))
            model.eval()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                traced = torch.jit.trace(model, tuple(inputs), check_trace=False)
            out = os.path.join(tmp, "traced.pt")
            torch.jit.save(traced, out)
            loaded = torch.jit.load(out)
            kinds = graph_kinds(loaded)
            with torch.no_grad():
                flat = harness.flatten(loaded(*inputs))
        except Exception as e:  # noqa: BLE001 (any failure: PyTorch cannot trace it)
            return {"traceable": False, "why": "torch.jit.trace fails: %s: %s" % (
                type(e).__name__, str(e).splitlines()[0][:200] if str(e) else "")}
    tracer_warnings = [str(w.message).split(".")[0] for w in caught
                       if w.category.__name__ == "TracerWarning"]
    return {"traceable": True, "why": "", "kinds": kinds, "flat": flat, "warnings": tracer_warnings}
