"""Generate the OpInfo suite's archives and PyTorch's references (tests/opinfo).

PyTorch's own op tests list each operator with sample inputs:
torch.testing._internal.common_methods_invocations.op_db (621 OpInfo entries
in Debian's 1.13). For every entry, dtype (float32, plus int64 and bool when
the entry supports them) and sample, this writes a TorchScript wrapper in the
way PyTorch's own test_ops_jit does it (`torch.<name>(...)` for the function
variant, `x.<name>(...)` for the method variant when the function is missing
or a lambda; see jit_metaprogramming_utils.get_call; a reflected operator
`x.__radd__(y)` as the expression `y + x` and a property lambda as `x.mT`,
which is how TorchScript spells them): the sample's tensors
become inputs, every other argument a literal. PyTorch compiles each wrapper
on its own (torch.jit.CompilationUnit) and runs it: its result, a float64 run
(float32 samples: floating inputs converted exactly) for the tolerance, or the
error it raises. A wrapper PyTorch cannot compile is not applicable (what
TorchScript cannot express). The compiled wrappers are then gathered, many per
archive, as methods t0, t1, ... of one module whose attributes hold the
inputs, so one process runs hundreds of them (opinfo_driver.c).

Used by opinfo.py (the test), which caches what this writes under
$TSCRIPT_BUILD/opinfo-cache/<key>, the key being a hash of this file and of
the PyTorch, numpy and Python versions: the generation runs once per build
directory and PyTorch version. Run with /usr/bin/python3 (Debian's torch).

    /usr/bin/python3 tests/opinfo/gen_opinfo.py OUT_DIR     (what opinfo.py runs)
"""
import importlib.util
import math
import os
import pickle
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))

# Samples per entry and dtype: all of them would be ~20,000 wrappers; the first
# ones cover each entry's argument forms (PyTorch lists the plain ones first).
MAX_SAMPLES = {"float32": 10, "int64": 4, "bool": 3, "error": 4, "inplace": 3}
INPLACE = "@inplace"
PER_ARCHIVE = 400


def load_op_db():
    # PyTorch's test helpers import expecttest (PyPI); our stand-in
    # (stub/expecttest.py) is all that import needs. common_utils parses
    # sys.argv at import time: give it none.
    sys.path.insert(0, os.path.join(HERE, "stub"))
    argv, sys.argv = sys.argv, sys.argv[:1]
    try:
        from torch.testing._internal.common_methods_invocations import op_db
    finally:
        sys.argv = argv
    return op_db


def entry_name(op):
    return op.name + ("." + op.variant_test_name if op.variant_test_name else "")


def is_lambda(f):
    return isinstance(f, types.LambdaType) and f.__name__ == "<lambda>"


class NotExpressible(Exception):
    """An argument no TorchScript literal can carry (a slice, a lambda...)."""


def literal(v):
    import torch
    if v is None or isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "math.nan"
        if math.isinf(v):
            return "math.inf" if v > 0 else "-math.inf"
        return repr(v)
    if isinstance(v, str):
        return ascii(v)
    if isinstance(v, torch.dtype):
        return str(v)
    if isinstance(v, torch.device):
        return ascii(str(v))
    if isinstance(v, torch.memory_format) or isinstance(v, torch.layout):
        return str(v)
    if isinstance(v, (list, tuple, torch.Size)):
        items = [literal(x) for x in v]
        if isinstance(v, tuple) and not isinstance(v, torch.Size):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    raise NotExpressible("no TorchScript literal for %s" % type(v).__name__)


def is_tensor_list(v):
    import torch
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, torch.Tensor) for x in v)


class Wrapper:
    """One sample of one entry as a call: `call` with {k} for the k-th input."""

    def __init__(self, entry, dtype, index, variant, inputs, kinds, call):
        import copy
        self.entry, self.dtype, self.index, self.variant = entry, dtype, index, variant
        # Its own copy: samples may share tensors (batch_norm's running
        # stats), which the archive would store once, so one wrapper's
        # in-place update would reach the next; sharing within the sample
        # (an out= that views an input) is kept.
        try:
            inputs = copy.deepcopy(inputs)
        except (NotImplementedError, RuntimeError):  # sparse layouts: kept as they are
            pass
        self.inputs, self.kinds, self.call = inputs, kinds, call

    def text(self, names):
        return self.call.format(*names)


def build_call(op, variant, sample):
    """(inputs, kinds, call template) for sample, or raise NotExpressible."""
    import torch
    inputs, kinds = [], []

    def arg(v):
        if isinstance(v, torch.Tensor):
            if v.is_complex() or v.layout != torch.strided or v.is_quantized or v.device.type != "cpu":
                raise NotExpressible("complex, sparse, quantized or non-CPU tensor")
            inputs.append(v.detach())
            kinds.append("Tensor")
            return "{%d}" % (len(inputs) - 1)
        if is_tensor_list(v):
            for x in v:
                if x.is_complex() or x.device.type != "cpu":
                    raise NotExpressible("complex or non-CPU tensor")
            inputs.append([x.detach() for x in v])
            kinds.append("List[Tensor]")
            return "{%d}" % (len(inputs) - 1)
        return literal(v).replace("{", "{{").replace("}", "}}")

    args = [arg(sample.input)] + [arg(a) for a in sample.args]
    kw = ["%s=%s" % (k, arg(v)) for k, v in sample.kwargs.items()]
    if variant == "reflected":
        # x.__radd__(y) is how Python evaluates y + x: the expression itself
        if kinds[:1] != ["Tensor"] or len(args) != 2 or kw:
            raise NotExpressible("reflected operator with other arguments")
        return inputs, kinds, "(%s %s %s)" % (args[1], REFLECTED[op.name], args[0])
    if variant == "property":
        if kinds[:1] != ["Tensor"] or len(args) != 1 or kw:
            raise NotExpressible("property with arguments")
        return inputs, kinds, "%s.%s" % (args[0], op.name)
    if variant == "method":
        if kinds[:1] != ["Tensor"]:
            raise NotExpressible("method variant on a non-tensor input")
        call = "%s.%s(%s)" % (args[0], op.name, ", ".join(args[1:] + kw))
    elif variant == "inplace":
        # on a copy of the input: the wrapper returns the updated tensor
        if kinds[:1] != ["Tensor"]:
            raise NotExpressible("in-place variant on a non-tensor input")
        call = "%s.clone().%s_(%s)" % (args[0], op.name, ", ".join(args[1:] + kw))
    else:
        call = "torch.%s(%s)" % (op.name, ", ".join(args + kw))
    return inputs, kinds, call


# Entries whose op is a reflected operator (torch.Tensor.__radd__) or a lambda
# reading a property (lambda x: x.mT): TorchScript expresses them as the
# expression Python evaluates (`y + x`, `x.mT`), so they are written that way.
REFLECTED = {"__radd__": "+", "__rsub__": "-", "__rmul__": "*", "__rdiv__": "/", "__rmod__": "%",
             "__rpow__": "**", "__rand__": "&", "__ror__": "|", "__rxor__": "^", "__rmatmul__": "@"}
PROPERTIES = ("T", "H", "mT", "mH")


def variant_of(op):
    import torch
    if op.name in REFLECTED:
        return "reflected"
    if op.name in PROPERTIES and not op.variant_test_name:
        return "property"
    func = op.get_op()
    if func is not None and not is_lambda(func) and not isinstance(func, torch._ops.OpOverload):
        return "function"
    method = op.get_method()
    if method is not None and not is_lambda(method):
        return "method"
    return None


DTYPES = ("float32", "int64", "bool")


def wrappers(op):
    """Every wrapper of op, and why the entry has none (or None)."""
    import torch
    variant = variant_of(op)
    if variant is None:
        return [], "no function or method variant to script (lambdas only)"
    supported = op.supported_dtypes("cpu")
    out, why = [], None
    for dname in DTYPES:
        dtype = getattr(torch, dname)
        if dtype not in supported:
            continue
        torch.manual_seed(0)
        try:
            samples = list(op.sample_inputs("cpu", dtype, requires_grad=False))
        except Exception as e:  # noqa: BLE001 (PyTorch's sample generator itself)
            why = "sample_inputs fails: %s" % e
            continue
        for i, s in enumerate(samples[:MAX_SAMPLES[dname]]):
            try:
                inputs, kinds, call = build_call(op, variant, s)
            except NotExpressible as e:
                why = str(e)
                continue
            out.append(Wrapper(entry_name(op), dname, i, variant, inputs, kinds, call))
    # The in-place variant (x.name_(...)), as an entry of its own, "NAME@inplace":
    # float32 and int64 samples, where PyTorch's in-place rule (the result
    # must fit self's dtype and shape) makes some of them raise.
    inplace = op.get_inplace()
    if inplace is not None and not is_lambda(inplace) and "." not in op.name:
        for dname in ("float32", "int64"):
            dtype = getattr(torch, dname)
            if dtype not in supported:
                continue
            torch.manual_seed(0)
            try:
                samples = list(op.sample_inputs("cpu", dtype, requires_grad=False))
            except Exception:  # noqa: BLE001
                continue
            for i, s in enumerate(samples[:MAX_SAMPLES["inplace"]]):
                try:
                    inputs, kinds, call = build_call(op, "inplace", s)
                except NotExpressible:
                    continue
                out.append(Wrapper(entry_name(op) + INPLACE, dname, i, "inplace", inputs, kinds, call))
    # PyTorch's error inputs: calls it must refuse, so tscript must too.
    if op.error_inputs_func is not None:
        torch.manual_seed(0)
        try:
            errors = list(op.error_inputs("cpu"))
        except Exception:  # noqa: BLE001 (the generator itself fails: none)
            errors = []
        for i, e in enumerate(errors[:MAX_SAMPLES["error"]]):
            try:
                inputs, kinds, call = build_call(op, variant, e.sample_input)
            except NotExpressible:
                continue
            out.append(Wrapper(entry_name(op), "error", i, variant, inputs, kinds, call))
    if not out and why is None:
        why = "no sample in float32, int64 or bool"
    return out, why


# ---- running a wrapper in PyTorch ----

def fn_source(w):
    names = ["i%d" % k for k in range(len(w.inputs))]
    formals = ", ".join("%s: %s" % (n, k) for n, k in zip(names, w.kinds))
    return "def f(%s):\n    return %s\n" % (formals, w.text(names))


def clone_inputs(inputs, double=False, ints=False):
    """A copy of the inputs; the plain copy keeps the storage sharing between
    them (as the archive does: an out= that overlaps an input must raise)."""
    import copy
    import torch
    if not double:
        return copy.deepcopy(inputs)

    def one(t):
        t = t.clone()
        if double and (t.is_floating_point() or (ints and t.dtype != torch.bool)):
            return t.double()
        return t
    return [[one(x) for x in v] if isinstance(v, list) else one(v) for v in inputs]


def structure(v):
    """The kinds of a result, as the driver's records spell them."""
    import torch
    if isinstance(v, torch.Tensor):
        if v.layout != torch.strided or v.is_complex() or v.is_quantized:
            return "?"
        return "T"
    if v is None:
        return "N"
    if isinstance(v, bool):
        return "B"
    if isinstance(v, int):
        return "I"
    if isinstance(v, float):
        return "F"
    if isinstance(v, str):
        return "S"
    if isinstance(v, tuple):
        return "U(" + ",".join(structure(x) for x in v) + ")"
    if isinstance(v, list):
        return "L(" + ",".join(structure(x) for x in v) + ")"
    return "?"


def flatten(v):
    import numpy as np
    import torch
    if isinstance(v, torch.Tensor):
        t = v.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return [t.numpy().copy()]
    if isinstance(v, bool):
        return [np.array(v, dtype=np.bool_)]
    if isinstance(v, int):
        return [np.array(v, dtype=np.int64)]
    if isinstance(v, float):
        return [np.array(v, dtype=np.float64)]
    if isinstance(v, (tuple, list)):
        return [a for x in v for a in flatten(x)]
    return []


def reference(w):
    """The reference record of w, or (None, why) when PyTorch cannot script it."""
    import torch
    try:
        cu = torch.jit.CompilationUnit(fn_source(w))
    except Exception as e:  # noqa: BLE001 (any compile failure: not expressible)
        return None, "PyTorch cannot script it: %s" % str(e).strip().splitlines()[0][:200]
    torch.manual_seed(0)
    try:
        with torch.no_grad():
            got = cu.f(*clone_inputs(w.inputs))
    except Exception as e:  # noqa: BLE001 (PyTorch raises: tscript must raise)
        lines = [x for x in str(e).strip().splitlines() if x.strip()]
        return {"raises": lines[-1].strip()[:300] if lines else type(e).__name__}, None
    if structure(got).count("?"):
        return None, "result of a kind the suite does not compare (%s)" % type(got).__name__
    flat = flatten(got)
    flat64 = None
    # Integer samples with floating outputs (sinc of an int64 tensor computes
    # in float32): the float64 run of the same values measures that rounding.
    cast = w.dtype == "int64" and any(a.dtype.kind == "f" for a in flat)
    if w.dtype == "float32" or cast:
        torch.manual_seed(0)
        try:
            with torch.no_grad():
                g64 = flatten(cu.f(*clone_inputs(w.inputs, double=True, ints=cast)))
            if len(g64) == len(flat) and all(a.shape == b.shape for a, b in zip(g64, flat)):
                flat64 = g64
        except Exception:  # noqa: BLE001 (no float64 kernel: eps-based tolerance)
            flat64 = None
    return {"structure": structure(got), "flat": flat, "flat64": flat64, "cast64": cast}, None


# ---- archives ----

MODULE_HEAD = "import math\nimport torch\nfrom typing import List\nfrom torch import Tensor\n\n\n"


def module_source(batch):
    lines = [MODULE_HEAD, "class M(torch.nn.Module):\n"]
    for j, (w, _) in enumerate(batch):
        for k, kind in enumerate(w.kinds):
            lines.append("    a%d_%d: %s\n" % (j, k, kind))
    lines.append("\n    def __init__(self, values):\n        super().__init__()\n"
                 "        for name, v in values:\n            setattr(self, name, v)\n\n")
    lines.append("    def forward(self) -> int:\n        return 0\n\n")
    for j, (w, _) in enumerate(batch):
        names = ["self.a%d_%d" % (j, k) for k in range(len(w.kinds))]
        lines.append("    @torch.jit.export\n    def t%d(self):\n        return %s\n\n" % (
            j, w.text(names)))
    return "".join(lines)


def script_batch(batch, path, tmpdir, tag):
    """Script batch (a list of (wrapper, ref)) into the archive path."""
    import torch
    src = os.path.join(tmpdir, "opinfo_%s.py" % tag)
    with open(src, "w") as f:
        f.write(module_source(batch))
    spec = importlib.util.spec_from_file_location("opinfo_%s" % tag, src)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    values = [("a%d_%d" % (j, k), v) for j, (w, _) in enumerate(batch) for k, v in enumerate(w.inputs)]
    torch.jit.save(torch.jit.script(mod.M(values)), path)


def pack(items, out_dir, tmpdir, first):
    """Write items (wrapper, ref) into archives b<first>.pt...; split a batch
    PyTorch refuses as a module until each part scripts (a wrapper that
    compiles alone but not as a method is dropped, with its reason).
    Returns ([(archive, [(method, wrapper, ref)])], dropped, next number)."""
    done, dropped, n = [], [], first
    todo = [items]
    while todo:
        batch = todo.pop(0)
        path = os.path.join(out_dir, "b%03d.pt" % n)
        try:
            script_batch(batch, path, tmpdir, "b%03d" % n)
        except Exception as e:  # noqa: BLE001
            if len(batch) == 1:
                dropped.append((batch[0][0], "PyTorch cannot script it as a method: %s" %
                                str(e).strip().splitlines()[0][:200]))
            else:
                todo[:0] = [batch[:len(batch) // 2], batch[len(batch) // 2:]]
            continue
        done.append((os.path.basename(path), [("t%d" % j, w, r) for j, (w, r) in enumerate(batch)]))
        n += 1
    return done, dropped, n


def generate(out_dir):
    """Write the archives and index.pickle into out_dir (see module doc)."""
    import tempfile
    import warnings
    import torch
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    op_db = load_op_db()
    entries = {}      # entry -> {"why": reason when not applicable}
    ready = []        # (wrapper, ref) to pack
    for op in op_db:
        name = entry_name(op)
        print("gen_opinfo: %s" % name, file=sys.stderr, flush=True)
        ws, why = wrappers(op)
        entries[name] = {"why": why, "wrappers": 0}
        for w in ws:
            e = entries.setdefault(w.entry, {"why": None, "wrappers": 0})
            ref, why_not = reference(w)
            if ref is None:
                e["why"] = why_not
                continue
            ready.append((w, ref))
            e["wrappers"] += 1
    # A wrapper whose inputs have many dimensions gets an archive of its own:
    # a loader's limit on them must fail that wrapper, not its neighbours.
    def many_dims(w):
        return any(t.dim() > 8 for v in w.inputs for t in (v if isinstance(v, list) else [v]))
    groups = [[x] for x in ready if many_dims(x[0])]
    plain = [x for x in ready if not many_dims(x[0])]
    groups += [plain[i:i + PER_ARCHIVE] for i in range(0, len(plain), PER_ARCHIVE)]
    archives, n = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for group in groups:
            done, dropped, n = pack(group, out_dir, tmp, n)
            archives += done
            for w, why in dropped:
                entries[w.entry]["wrappers"] -= 1
                entries[w.entry]["why"] = why
    index = {"entries": entries, "archives": []}
    for path, methods in archives:
        index["archives"].append((path, [
            {"method": m, "entry": w.entry, "dtype": w.dtype, "sample": w.index,
             "variant": w.variant, "call": w.text(["x%d" % k for k in range(len(w.inputs))]),
             "ref": r} for m, w, r in methods]))
    tmp = os.path.join(out_dir, "index.pickle.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.rename(tmp, os.path.join(out_dir, "index.pickle"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_opinfo.py OUT_DIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    generate(sys.argv[1])
