"""Load tscript's nn library (src/nnlib/) into CPython and compare it with PyTorch.

The nnlib files are written for tscript's evaluator, but they are also CPython over real
torch. They import each other as `torch.nn.modules.<file>` (the names PyTorch uses, which
tscript maps onto src/nnlib/); in CPython those names are PyTorch's own modules, so this
loader serves the files under a separate package prefix and rewrites their imports of
sibling nnlib files to that prefix (same line, so line numbers, which TorchScript reads
through inspect, stay right):

- package "Torch": our module classes, with PyTorch's own F and init;
- package "TORCH": our module classes, our functional.py and our init.py.

The packages are spelt like "torch" so that qualified names have the lengths of PyTorch's:
TorchScript's printer inlines a function constant only when its qualified name is short,
so a longer prefix would change the printed code. A class from
src/nnlib/torch/nn/modules/linear.py is scripted by PyTorch as
`__torch__.Torch.nn.modules.linear.Linear`; `normalise()` maps it back to
`__torch__.torch.nn.modules.linear.Linear` so its code can be compared with PyTorch's.

torch.nn.modules.module (the Module base, native in tscript) and torch.nn.modules.utils
(_pair & co., builtin ops inside TorchScript) stay PyTorch's. TorchScript recognises
containers by isinstance against torch.nn.Sequential/ModuleList/ModuleDict, so our container
classes get PyTorch's as their base after loading (their own methods still come first).
"""
import importlib.abc
import importlib.machinery
import importlib.util
import io
import os
import re
import sys
import zipfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, "src", "nnlib")
MODULES_DIR = os.path.join(SRC, "torch", "nn", "modules")
PREFIXES = ("Torch", "TORCH")
# Files that stay PyTorch's even when ours exist.
_KEEP_TORCH = {"module", "utils"}


def _our_module_files():
    return sorted(f[:-3] for f in os.listdir(MODULES_DIR)
                  if f.endswith(".py") and f != "__init__.py")


def _rewrite(source, prefix):
    ours = [m for m in _our_module_files() if m not in _KEEP_TORCH]
    for m in ours:
        source = re.sub(r"^(\s*)from torch\.nn\.modules\.%s import" % m,
                        r"\1from %s.nn.modules.%s import" % (prefix, m),
                        source, flags=re.M)
    if prefix == "TORCH":
        source = re.sub(r"^(\s*)from torch\.nn import (functional|init|_reduction)\b",
                        r"\1from %s.nn import \2" % prefix, source, flags=re.M)
    return source


class _Loader(importlib.abc.SourceLoader):
    def __init__(self, fullname, path, prefix):
        self.fullname, self.path, self.prefix = fullname, path, prefix

    def get_filename(self, fullname):
        return self.path

    def get_data(self, path):
        with open(path, encoding="utf-8") as f:
            return _rewrite(f.read(), self.prefix).encode("utf-8")

    def exec_module(self, module):
        super().exec_module(module)
        if self.fullname == "TORCH.nn.functional":
            # PyTorch compiles these Python functions of F as builtin ops (torch/jit/
            # _builtins.py); tscript's frontend must map our functions the same way.
            from torch.jit._builtins import _register_builtin
            _register_builtin(module._no_grad_embedding_renorm_, "aten::_no_grad_embedding_renorm_")
            _register_builtin(module.assert_int_or_pair, "aten::_assert_int_or_pair")
        if self.fullname.endswith(".nn.modules.container"):
            for name in ("Sequential", "ModuleList", "ModuleDict"):
                cls = getattr(module, name, None)
                if cls is not None:
                    cls.__bases__ = (getattr(torch.nn, name),)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        prefix = fullname.split(".")[0]
        if prefix not in PREFIXES:
            return None
        rest = fullname.split(".")[1:]
        base = os.path.join(SRC, "torch", *rest)
        if rest and os.path.isfile(base + ".py"):
            return importlib.util.spec_from_file_location(
                fullname, base + ".py", loader=_Loader(fullname, base + ".py", prefix))
        if os.path.isdir(base):
            # A directory is a plain package; its __init__.py (the re-export list for the
            # evaluator) is not run here.
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = [base]
            return spec
        return None


if not any(isinstance(f, _Finder) for f in sys.meta_path):
    sys.meta_path.insert(0, _Finder())


def load(relname, prefix="Torch"):
    """Our module for a PyTorch dotted name, e.g. load("torch.nn.modules.linear")."""
    assert relname.startswith("torch.")
    return importlib.import_module(prefix + relname[len("torch"):])


def normalise(text):
    """Maps our package names back to torch, and drops the ___torch_mangle_N suffixes TorchScript gives a class
    scripted more than once in a process (their numbers depend on the process's history)."""
    text = re.sub(r"\b(Torch|TORCH)([./])", r"torch\2", text)
    return re.sub(r"[./]___torch_mangle_[0-9]+", "", text)


# ---------------------------------------------------------------- comparisons

def tensor_bytes(t):
    return (t.dtype, tuple(t.shape), t.detach().contiguous().numpy().tobytes())


def state_signature(m):
    return [(k,) + tensor_bytes(v) for k, v in m.state_dict().items()]


def _value_signature(v):
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(_value_signature(x) for x in v))
    if isinstance(v, torch.Tensor):
        return ("Tensor",) + tensor_bytes(v)
    if isinstance(v, torch.nn.Module):
        return ("Module", type(v).__name__)
    if callable(v) and hasattr(v, "__name__"):
        # A function attribute (TransformerEncoderLayer.activation): ours and PyTorch's are
        # different objects with the same name.
        return ("function", v.__name__)
    return (type(v).__name__, repr(v))


def attribute_signature(m):
    """Every module in the tree: its instance-dict names in order, the names of its
    parameters, buffers and children in order, and its plain attributes' types and values."""
    out = []
    for name, mod in m.named_modules():
        plain = [(k, _value_signature(v)) for k, v in mod.__dict__.items()
                 if not k.startswith("_") or k in ("_qkv_same_embed_dim", "_flat_weights_names",
                                                   "_all_weights", "_flat_weight_refs")]
        out.append((name, type(mod).__name__, list(mod.__dict__.keys()),
                    list(mod._parameters.keys()), list(mod._buffers.keys()),
                    sorted(mod._non_persistent_buffers_set), list(mod._modules.keys()),
                    plain, mod.training))
    return out


def archive_files(scripted):
    """{normalised path: sorted contents} of the code/ files and constants.pkl of a
    torch.jit.save archive. Without their mangle suffixes several files (one per variant of
    a class) can share a path; they are kept as a sorted list."""
    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    buf.seek(0)
    out = {}
    with zipfile.ZipFile(buf) as z:
        for name in z.namelist():
            inner = name.split("/", 1)[1]
            if inner.startswith("code/") and inner.endswith(".py"):
                key = normalise(inner[:-3]) + ".py"
                out.setdefault(key, []).append(normalise(z.read(name).decode("utf-8")))
            elif inner == "constants.pkl":
                out[inner] = [z.read(name)]
    return {k: sorted(v) for k, v in out.items()}


def node_kinds(graph):
    kinds = []

    def walk(block):
        for n in block.nodes():
            kinds.append(n.kind())
            for b in n.blocks():
                walk(b)
    walk(graph)
    return kinds


def outputs_equal(a, b):
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and \
            a.detach().numpy().tobytes() == b.detach().numpy().tobytes()
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) == type(b) and len(a) == len(b) and \
            all(outputs_equal(x, y) for x, y in zip(a, b))
    return a == b


def fresh_annotations(module):
    """Undo a side effect of scripting, so each scripting sees classes as a fresh process does.

    Since Python 3.10, reading `C.__annotations__` on a class whose body has none stores an
    empty dict in C. TorchScript reads it while scripting, so in PyTorch a class such as
    ConvTranspose1d (annotations only in its base _ConvNd) scripts with the inherited
    annotations the first time (bias: Optional[Tensor]) and without them afterwards
    (bias: Tensor). The first scripting in a process is the reference; removing the empty
    dicts restores it."""
    for m in module.modules():
        for cls in type(m).__mro__:
            d = cls.__dict__
            if "__annotations__" in d and d["__annotations__"] == {}:
                try:
                    del cls.__annotations__
                except (AttributeError, TypeError):
                    pass


def outputs_close(a, b, rtol, atol):
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and \
            bool(torch.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) == type(b) and len(a) == len(b) and \
            all(outputs_close(x, y, rtol, atol) for x, y in zip(a, b))
    return a == b
