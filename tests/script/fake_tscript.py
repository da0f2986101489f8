#!/usr/bin/python3
"""A stand-in for tscript's script/run/show on model.py, built on PyTorch, to
check the scripting corpus's harness itself: with
    TSCRIPT_BIN=tests/script/fake_tscript.py pytest tests/script/test_script_corpus.py
every check of every source must pass (so each check is passable as written),
and with FAKE_TSCRIPT_BUG=<kind> it must fail (so each check can fail):
    FAKE_TSCRIPT_BUG=output   outputs moved by 1e-3 of their magnitude
    FAKE_TSCRIPT_BUG=seed     initial parameters drawn after one extra draw
    FAKE_TSCRIPT_BUG=tree     a module's name misspelt in the tree
    FAKE_TSCRIPT_BUG=reload   the archive's weights perturbed by one ulp
Not tscript and not a test: only the command-line interface is the same.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scriptcase  # noqa: E402

BUG = os.environ.get("FAKE_TSCRIPT_BUG", "")


def fail(msg, code=1):
    sys.stderr.write("tscript: error: %s\n" % msg)
    sys.exit(code)


def build(target, args, weights, seed):
    path, _, cls = target.partition(":")
    case = scriptcase.Case(path)
    case.cls, case.args, case.seed = cls or None, args or "", seed
    if case.decorated:
        sys.stderr.write("%s: warning: @torch.jit.script on an nn.Module class: PyTorch would "
                         "reject it; scripting the class\n" % path)
    work = os.environ.get("TMPDIR", "/tmp")
    module = scriptcase.import_source(case, work)
    if BUG == "seed":
        torch.manual_seed(seed)
        torch.rand(1)
        model = eval("__c(%s)" % case.args, dict(vars(module), __c=scriptcase.model_class(
            case, module)))
    else:
        model = scriptcase.construct(case, module)
    if weights:
        model.load_state_dict(torch.load(weights), strict=True)
    return torch.jit.script(model.eval())


def value(word):
    if word.endswith(".npy"):
        return torch.from_numpy(np.load(word))
    if word in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[word]
    try:
        return int(word)
    except ValueError:
        return float(word)


def main():
    p = argparse.ArgumentParser(prog="tscript")
    p.add_argument("command")
    p.add_argument("model")
    p.add_argument("inputs", nargs="*")
    p.add_argument("--args", default="")
    p.add_argument("--weights")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--method", default="forward")
    p.add_argument("--tree", action="store_true")
    p.add_argument("-o")
    a = p.parse_intermixed_args()
    if a.command == "show":
        text = str(build(a.model, a.args, a.weights, a.seed))
        print(text.replace("Linear", "Lineer") if BUG == "tree" else text)
    elif a.command == "script":
        m = build(a.model, a.args, a.weights, a.seed)
        if BUG == "reload":
            with torch.no_grad():
                for t in m.parameters():
                    t.copy_(torch.nextafter(t, t + 1))
        m.save(a.o)
    elif a.command == "run":
        if a.model.endswith(".pt"):
            m = torch.jit.load(a.model)
        else:
            m = build(a.model, a.args, a.weights, a.seed)
        with torch.no_grad():
            flat = scriptcase.harness.flatten(getattr(m, a.method)(*[value(w) for w in a.inputs]))
        os.makedirs(a.o, exist_ok=True)
        for i, arr in enumerate(flat):
            if BUG == "output" and np.issubdtype(arr.dtype, np.floating):
                arr = arr + (1e-3 * np.abs(arr).max()).astype(arr.dtype)
            np.save(os.path.join(a.o, "out%d.npy" % i), arr)
    else:
        fail("unknown command %s" % a.command, 2)


if __name__ == "__main__":
    main()
