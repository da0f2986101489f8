"""The PyTorch half of the scripting corpus (tests/script): read a source's
header, build what PyTorch makes of it, and keep that in a cache.

A corpus source is a small model.py; its first comment lines say how to use it:

    # tscript: class=Net args="3, 8" inputs="randn:2,3,16,16 True 4" seed=7

Several `# tscript:` lines add up; each holds shell-quoted key=value words:
  class=NAME      the nn.Module subclass to script (omitted: the file must
                  define exactly one, and tscript is given `model.py` alone)
  args="TEXT"     the constructor's arguments, as written between the call's
                  parentheses (tscript --args TEXT); default none
  inputs="W ..."  the method's inputs, one word each:
                    randn:D0,D1[:DTYPE]   normal samples (float32, or DTYPE)
                    rand:D0,D1[:DTYPE]    uniform in [0, 1)
                    pos:D0,D1             uniform in [0.5, 1.5) (for log, sqrt)
                    randint:LO,HI:D0,D1   int64 in [LO, HI)
                    bool:D0,D1            random bools
                    ones:D0,D1[:DTYPE], zeros:...  (ones::bool is a 0-dim True)
                    True False None 3 2.5 a Python value
                  tensors are drawn in order from one generator seeded with
                  1000 + seed and passed to tscript as .npy files
  seed=N          torch.manual_seed(N) before constructing (default 0), and
                  tscript script --seed N for the initial-parameter check
  method=NAME     the method to call (default forward; tscript run --method)
  requires=torch2 the source needs PyTorch 2.x (skipped under 1.13)
  degenerate_ok="WHY"  an output is degenerate on purpose (see harness.py)

A class decorated with `@torch.jit.script` (as the seed tutorial writes them;
the decorator on the line just above `class`)
is not scriptable by PyTorch: the decorator runs at class definition and
rejects an nn.Module. PyTorch's side imports a copy with that one line blanked
(line numbers unchanged) and scripts the class; tscript gets the file as it is
and must warn once.

build(case) gives the reference artefacts of one source (weights.pt,
reference.pt, init_state.pt, input files, meta.pickle with the printed tree
and the outputs in float32 and float64). They are cached under
$TSCRIPT_BUILD/script-cache/<key>/ (key: PyTorch, NumPy and Python versions
and the harness files; a case folder is named by its source's hash), so a
second run imports and scripts nothing.
"""
import hashlib
import importlib.util
import os
import pickle
import platform
import re
import shlex
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.join(os.path.dirname(HERE), "conformance")
if CONFORMANCE not in sys.path:
    sys.path.insert(0, CONFORMANCE)
import harness  # noqa: E402
from realistic import realistic  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
KNOWN_FAILURES = os.path.join(HERE, "known_failures.txt")
KEYS = {"class", "args", "inputs", "seed", "method", "requires", "degenerate_ok"}
DECORATOR = re.compile(r"^@torch\.jit\.script\s*$")
DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
          "int64": torch.int64, "int32": torch.int32, "bool": torch.bool}


class Case:
    """One source and its header."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.header = parse_header(self.path)
        self.cls = self.header.get("class")
        self.args = self.header.get("args", "")
        self.inputs = self.header.get("inputs", "").split()
        self.seed = int(self.header.get("seed", "0"))
        self.method = self.header.get("method", "forward")
        self.requires = self.header.get("requires")
        self.degenerate_ok = self.header.get("degenerate_ok")
        with open(self.path) as f:
            self.source = f.read()
        lines = self.source.split("\n")
        self.decorated = [i for i, line in enumerate(lines)
                          if DECORATOR.match(line) and i + 1 < len(lines)
                          and lines[i + 1].startswith("class ")]

    def target(self):
        """The model argument of tscript: model.py or model.py:Class."""
        return self.path + (":" + self.cls if self.cls else "")

    def args_words(self):
        return ["--args", self.args] if self.args.strip() else []

    def method_words(self):
        return [] if self.method == "forward" else ["--method", self.method]

    def __repr__(self):
        return "Case(%s)" % self.name


def parse_header(path):
    """The key=value words of the `# tscript:` lines at the top of path."""
    out = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("#"):
                break
            m = re.match(r"#\s*tscript:(.*)$", line)
            if not m:
                continue
            for word in shlex.split(m.group(1)):
                key, eq, value = word.partition("=")
                if not eq or key not in KEYS:
                    raise ValueError("%s: bad header word %r (keys: %s)" % (
                        path, word, ", ".join(sorted(KEYS))))
                out[key] = value
    return out


def corpus_cases(directory=CORPUS):
    """Every source with a `# tscript:` header (files without one are helpers
    that the sources import), sorted by name."""
    cases = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".py"):
            with open(os.path.join(directory, name)) as f:
                if re.match(r"#\s*tscript:", f.readline()):
                    cases.append(Case(os.path.join(directory, name)))
    return cases


def known_failures():
    """tests/script/known_failures.txt through harness.known_failures:
    {pattern: reason}; a pattern is a test name or an fnmatch pattern."""
    return harness.known_failures(KNOWN_FAILURES)


_sanitized = []


def sanitized():
    """Whether $TSCRIPT_BIN is built with AddressSanitizer."""
    if not _sanitized:
        try:
            with open(harness.tscript_bin(), "rb") as f:
                _sanitized.append(b"AddressSanitizer" in f.read())
        except OSError:
            _sanitized.append(False)
    return _sanitized[0]


def known_reason(known, test_name):
    """The reason test_name is expected to fail, or None. A reason that
    starts with "asan:" (a leak or sanitizer report only a sanitized build
    sees) applies only when $TSCRIPT_BIN is sanitized."""
    import fnmatch
    for pattern, reason in known.items():
        if fnmatch.fnmatchcase(test_name, pattern):
            if reason.startswith("asan:") and not sanitized():
                return None
            return reason or "(no reason given)"
    return None


def check_known_names(known, prefixes, names):
    """Each pattern of known with one of prefixes names at least one of names."""
    import fnmatch
    for pattern in known:
        if pattern.split(":")[0] in prefixes:
            assert fnmatch.filter(names, pattern), "known_failures.txt: %r names no test" % (
                pattern,)


# ---- inputs ----

def _shape(text):
    return tuple(int(d) for d in text.split(",")) if text else ()


def make_input(word, gen):
    kind, _, rest = word.partition(":")
    if kind in ("randn", "rand", "pos"):
        dims, _, dtype = rest.partition(":")
        draw = torch.randn if kind == "randn" else torch.rand
        t = draw(_shape(dims), generator=gen)
        if kind == "pos":
            t = t + 0.5
        return t.to(DTYPES[dtype]) if dtype else t
    if kind == "randint":
        bounds, _, dims = rest.partition(":")
        lo, hi = (int(v) for v in bounds.split(","))
        return torch.randint(lo, hi, _shape(dims), generator=gen)
    if kind == "bool":
        return torch.rand(_shape(rest), generator=gen) < 0.5
    if kind in ("ones", "zeros"):
        dims, _, dtype = rest.partition(":")
        make = torch.ones if kind == "ones" else torch.zeros
        return make(_shape(dims), dtype=DTYPES[dtype or "float32"])
    if word in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[word]
    try:
        return int(word)
    except ValueError:
        return float(word)


def make_inputs(case, gen=None):
    """The case's inputs; from the global generator when gen is None (the
    batches realistic() estimates batch-norm statistics on)."""
    return [make_input(w, gen) for w in case.inputs]


def case_generator(case):
    return torch.Generator().manual_seed(1000 + case.seed)


# ---- importing a source into PyTorch ----

def pytorch_source(case):
    """The source PyTorch scripts: the file, with `@torch.jit.script` lines
    above classes blanked."""
    lines = case.source.split("\n")
    for i in case.decorated:
        lines[i] = ""
    return "\n".join(lines)


def import_source(case, directory):
    """Import the case's source (decorators blanked, written to directory
    when there are any) as a fresh module; its sibling files import too."""
    path = case.path
    if case.decorated:
        path = os.path.join(directory, os.path.basename(case.path))
        with open(path, "w") as f:
            f.write(pytorch_source(case))
    # the file's own name, as `import model` would give: it is the qualified
    # name of its classes in the archive (__torch__.model.Net)
    name = case.name
    directory = os.path.dirname(case.path)
    if directory not in sys.path:
        sys.path.append(directory)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def model_class(case, module):
    if case.cls:
        return getattr(module, case.cls)
    found = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, nn.Module)
             and v.__module__ == module.__name__]
    if len(found) != 1:
        raise ValueError("%s: no class= and %d nn.Module classes" % (case.name, len(found)))
    return found[0]


def construct(case, module):
    """torch.manual_seed(seed), then the class called with the header's args."""
    cls = model_class(case, module)
    torch.manual_seed(case.seed)
    return eval("__cls(%s)" % case.args, dict(vars(module), __cls=cls))  # noqa: S307


# ---- the reference artefacts ----

def _cache_root():
    if os.environ.get("TSCRIPT_NO_CACHE") == "1":
        return None
    base = os.environ.get("TSCRIPT_BUILD") or os.path.dirname(harness.tscript_bin())
    # a build folder: $TSCRIPT_BUILD, or the binary's folder if CMake made it
    if not os.path.isdir(base) or not (os.environ.get("TSCRIPT_BUILD") or
                                       os.path.exists(os.path.join(base, "CMakeCache.txt"))):
        return None
    h = hashlib.sha256()
    for v in (torch.__version__, np.__version__, platform.python_version()):
        h.update(v.encode() + b"\0")
    for path in (os.path.join(HERE, "scriptcase.py"), os.path.join(CONFORMANCE, "harness.py"),
                 os.path.join(CONFORMANCE, "realistic.py")):
        with open(path, "rb") as f:
            h.update(f.read())
    key = h.hexdigest()[:20]
    return harness.keyed_cache(os.path.join(base, "script-cache"), key)


_root = {}


def cache_root(fallback):
    if "root" not in _root:
        _root["root"] = _cache_root() or fallback
    return _root["root"]


def case_key(case):
    h = hashlib.sha256(case.source.encode())
    # sibling files a source may import
    for name in sorted(os.listdir(CORPUS)):
        if name.endswith(".py") and re.search(r"\b%s\b" % re.escape(name[:-3]), case.source) \
                and name[:-3] != case.name:
            with open(os.path.join(CORPUS, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:16]


class Reference:
    """What PyTorch makes of a case (see build)."""

    def __init__(self, directory, meta):
        self.dir = directory
        self.__dict__.update(meta)
        self.weights = os.path.join(directory, "weights.pt")
        self.reference = os.path.join(directory, "reference.pt")
        self.init_state = os.path.join(directory, "init_state.pt")
        self.words = [w if not w.endswith(".npy") else os.path.join(directory, w)
                      for w in meta["words"]]

    def load_inputs(self):
        return torch.load(os.path.join(self.dir, "inputs.pt"))


def build(case, root):
    """The case's artefacts in root/<name>-<hash>/ (built once, then reused)."""
    directory = os.path.join(root, "%s-%s" % (case.name, case_key(case)))
    meta_path = os.path.join(directory, "meta.pickle")
    if not os.path.exists(meta_path):
        tmp = "%s.%d.tmp" % (directory, os.getpid())
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        meta = _build(case, tmp)
        # file names relative to the folder, so the folder can move into place
        meta["words"] = [os.path.basename(w) if w.endswith(".npy") else w
                         for w in meta["words"]]
        with open(os.path.join(tmp, "meta.pickle"), "wb") as f:
            pickle.dump(meta, f, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.rename(tmp, directory)
        except OSError:  # another run got there first
            shutil.rmtree(tmp, ignore_errors=True)
    with open(meta_path, "rb") as f:
        return Reference(directory, pickle.load(f))


def fresh_jit():
    """Forget the classes earlier cases compiled, so each reference is what a fresh
    process's torch.jit.script gives: PyTorch names a second type of one class
    ___torch_mangle_N, and compiled code's isinstance(module, Class) is False for
    such a type (nn.TransformerEncoder's nested-tensor path then depends on which
    cases ran before)."""
    torch._C._jit_clear_class_registry()
    torch.jit._recursive.concrete_type_store = torch.jit._recursive.ConcreteTypeStore()
    torch.jit._state._clear_class_state()


def _build(case, directory):
    with torch.random.fork_rng(devices=[]):
        module = import_source(case, directory)
        model = construct(case, module)
        # as PyTorch's own archive of the fresh model holds it (a scripted
        # module's state_dict also lists non-persistent buffers)
        fresh_jit()
        init = {k: v.detach().clone() for k, v in torch.jit.script(model).state_dict().items()}
        torch.save(init, os.path.join(directory, "init_state.pt"))
        model = realistic(model, lambda: make_inputs(case))
        torch.save(model.state_dict(), os.path.join(directory, "weights.pt"))
        fresh_jit()
        scripted = torch.jit.script(model)
        tree = str(scripted)
        code = scripted.code
        reference = os.path.join(directory, "reference.pt")
        torch.jit.save(scripted, reference)
        inputs = make_inputs(case, case_generator(case))
        torch.save(inputs, os.path.join(directory, "inputs.pt"))
        words = harness.input_words(inputs, directory)
        codes = module_codes(torch.jit.load(reference))
        result = harness._run_torch(reference, inputs, case.method, False)
        flat = harness.flatten(result)
        flat64 = harness.torch_reference64(reference, inputs, case.method, flat)
    return {"tree": tree, "code": code, "codes": codes, "flat": flat, "flat64": flat64, "words": words,
            "init_keys": list(init), "torch": torch.__version__}


def run_archive(path, inputs, method="forward"):
    """flatten(torch.jit.load(path).method(*inputs)) in float32, no grad."""
    return harness.flatten(harness._run_torch(path, inputs, method, False))


def module_codes(module):
    """{submodule path: the code PyTorch prints for its forward} of a loaded
    archive, for every module that has a forward ('' is the top)."""
    out = {}
    for path, sub in module.named_modules():
        try:
            out[path] = sub.code
        except (RuntimeError, AttributeError):
            pass
    return out
