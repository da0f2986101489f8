"""Writes the golden archives of one PyTorch version into tests/golden/torch-X.Y/.

Run by scripts/make-golden.sh under each PyTorch the suite covers (Debian's
1.13, an early 2.x, the newest on PyPI); test_golden.py then runs every
archive through the tscript CLI with numpy alone, so CI needs no PyTorch
but Debian's.

For each case this writes
  NAME.pt            the archive (torch.jit.save of a scripted, traced or frozen module;
                     cases may share one archive)
  CASE.inK.npy       tensor inputs (bools, ints and None are in the manifest)
  CASE.outK.npy      the outputs this PyTorch computes from the archive, flattened as
                     `tscript run -o` writes them (tuples depth-first, ints/bools 0-dim)
  CASE.outK.f64.npy  for floating outputs: the same model run eagerly in float64
                     (module.double(), inputs .double()), when it can run in double,
                     so the test can derive its tolerance from the arithmetic
and manifest.json listing the cases, their inputs and outputs, and the versions.

Everything is seeded (torch.manual_seed per case, derived from its name; Python's
string hashing with PYTHONHASHSEED=0, as TorchScript orders module constants by a
set) and run on one thread, so a second run writes the same bytes. The generator refuses degenerate
outputs (non-finite, constant, tiny): a comparison against such numbers proves nothing.

    python tests/golden/generate.py OUT_DIR        # usually through scripts/make-golden.sh
"""
import argparse
import copy
import json
import os
import platform
import shutil
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VERSION = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])


# ---- the seed tutorial's models (as in /work/shared/seed and tests/conformance/harness.py) ----

class SimpleLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, x):
        return self.linear(x)


class ConditionalModel(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear1 = nn.Linear(in_features, out_features)
        self.linear2 = nn.Linear(in_features, out_features)

    def forward(self, x: torch.Tensor, condition: bool):
        if condition:
            return self.linear1(x)
        else:
            return self.linear2(x)


class LoopingModel(nn.Module):
    def __init__(self, in_features, hidden_size, out_features, num_loops: int):
        super().__init__()
        self.linear_in = nn.Linear(in_features, hidden_size)
        self.linear_hidden = nn.Linear(hidden_size, hidden_size)
        self.linear_out = nn.Linear(hidden_size, out_features)
        self.num_loops = num_loops

    def forward(self, x: torch.Tensor):
        x = torch.relu(self.linear_in(x))
        for _ in range(self.num_loops):
            x = torch.relu(self.linear_hidden(x))
        x = self.linear_out(x)
        return x


# ---- other families ----

class RNNWrap(nn.Module):
    """A scripted nn.LSTM / nn.GRU has no forward (only forward__0/forward__1),
    so deployed RNNs sit inside a module like this one."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)


class EncoderWrap(nn.Module):
    """nn.TransformerEncoder with the padding mask as a positional input (tracing
    cannot take None in the middle of the example inputs)."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, x, padding_mask):
        return self.encoder(x, src_key_padding_mask=padding_mask)


class Sdpa(nn.Module):
    """F.scaled_dot_product_attention without mask, with a boolean and a float mask,
    causal, and with an explicit scale (torch >= 2.1)."""

    def forward(self, q, k, v, bool_mask, float_mask):
        plain = F.scaled_dot_product_attention(q, k, v)
        masked = F.scaled_dot_product_attention(q, k, v, attn_mask=bool_mask, dropout_p=0.0)
        causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        scaled = F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask, scale=0.3)
        return plain, masked, causal, scaled


class PadReflect(nn.Module):
    """F.pad in one mode on 3-d (N, C, L) and 4-d (N, C, H, W) inputs (one
    class per mode, so each mode passes or fails on its own)."""

    def forward(self, x1, x2):
        return F.pad(x1, (2, 1), mode="reflect"), F.pad(x2, (1, 2, 2, 1), mode="reflect")


class PadReplicate(nn.Module):
    def forward(self, x1, x2):
        return F.pad(x1, (1, 3), mode="replicate"), F.pad(x2, (2, 1, 1, 2), mode="replicate")


class PadCircular(nn.Module):
    def forward(self, x1, x2):
        return F.pad(x1, (2, 2), mode="circular"), F.pad(x2, (1, 1, 2, 2), mode="circular")


class GeluTanh(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 8)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class RMSNorms(nn.Module):
    """nn.RMSNorm (torch >= 2.4) over the last dim (eps None) and the last two."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.norm_last = nn.RMSNorm(16)
        self.norm_two = nn.RMSNorm([4, 16], eps=1e-5)

    def forward(self, x):
        h = self.fc(x)
        return self.norm_last(h), self.norm_two(h)


def randomize_affine(module):
    """Norm layers start at weight 1, bias 0: give them other values so a
    wrong weight or bias index shows in the outputs."""
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)) or type(m).__name__ == "RMSNorm":
            with torch.no_grad():
                if m.weight is not None:
                    m.weight.copy_(1 + 0.2 * torch.randn_like(m.weight))
                if getattr(m, "bias", None) is not None:
                    m.bias.copy_(0.1 * torch.randn_like(m.bias))
    return module


def mlp():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 64),
                         nn.GELU(), nn.Linear(64, 10), nn.LogSoftmax(dim=1))


def cnn_bn():
    """A small CNN whose batch-norm statistics are estimated on random batches
    (the defaults, mean 0 and variance 1, would leave the layers unnormalised)."""
    m = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                      nn.MaxPool2d(2),
                      nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    randomize_affine(m)
    for mod in m.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.momentum = None  # cumulative average over the batches below
    m.train()
    with torch.no_grad():
        for _ in range(8):
            m(torch.randn(8, 3, 16, 16) * 1.5 + 0.3)
    return m.eval()


def encoder():
    layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    return randomize_affine(enc)


def vit():
    import torchvision
    m = torchvision.models.VisionTransformer(32, 8, 4, 4, 128, 256, num_classes=10)
    with torch.no_grad():  # torchvision zero-initialises the head
        m.heads.head.weight.normal_(0, 0.1)
        m.heads.head.bias.normal_(0, 0.1)
    return randomize_affine(m)


def padding_mask(batch, seq):
    mask = torch.zeros(batch, seq, dtype=torch.bool)
    mask[0, seq - 2:] = True
    mask[batch - 1, seq - 1] = True
    return mask


def sdpa_inputs():
    q = torch.randn(2, 2, 5, 8)
    k = torch.randn(2, 2, 7, 8)
    v = torch.randn(2, 2, 7, 8)
    bool_mask = torch.rand(2, 1, 5, 7) > 0.4
    bool_mask[..., 0] = True  # every query sees at least one key
    float_mask = torch.randn(5, 7)
    return [q, k, v, bool_mask, float_mask]


def pad_inputs():
    return [torch.randn(2, 3, 8), torch.randn(2, 3, 5, 6)]


# ---- the cases ----

class Case:
    """One model call. `archive` names the .pt (cases may share one); build()
    returns the eager module; inputs() its inputs (tensors, bool, int, None);
    how is script, trace or freeze; double=False when the model cannot run in
    float64; min_version the first PyTorch that has what it uses."""

    def __init__(self, name, build, how, inputs, archive=None, double=True, min_version=(1, 0)):
        self.name = name
        self.build = build
        self.how = how
        self.inputs = inputs
        self.archive = archive or name
        self.double = double
        self.min_version = min_version


CASES = [
    Case("simple_linear_traced", lambda: SimpleLinear(10, 2), "trace",
         lambda: [torch.randn(3, 10)]),
    Case("conditional_scripted_true", lambda: ConditionalModel(5, 3), "script",
         lambda: [torch.randn(2, 5), True], archive="conditional_scripted"),
    Case("conditional_scripted_false", lambda: ConditionalModel(5, 3), "script",
         lambda: [torch.randn(2, 5), False], archive="conditional_scripted"),
    Case("looping_scripted", lambda: LoopingModel(10, 20, 5, 3), "script",
         lambda: [torch.randn(2, 10)]),
    Case("looping_traced", lambda: LoopingModel(10, 20, 5, 3), "trace",
         lambda: [torch.randn(2, 10)]),
    Case("mlp_scripted", mlp, "script", lambda: [torch.randn(4, 32)]),
    Case("mlp_traced", mlp, "trace", lambda: [torch.randn(4, 32)]),
    Case("lstm_scripted", lambda: RNNWrap(nn.LSTM(8, 16, 2)), "script",
         lambda: [torch.randn(5, 3, 8)]),
    Case("lstm_traced", lambda: RNNWrap(nn.LSTM(8, 16, 2, batch_first=True)), "trace",
         lambda: [torch.randn(3, 5, 8)]),
    Case("gru_scripted", lambda: RNNWrap(nn.GRU(8, 16, 2, bidirectional=True)), "script",
         lambda: [torch.randn(5, 3, 8)]),
    Case("cnn_bn_scripted", cnn_bn, "script", lambda: [torch.randn(2, 3, 16, 16)]),
    Case("cnn_bn_traced", cnn_bn, "trace", lambda: [torch.randn(2, 3, 16, 16)]),
    Case("cnn_bn_frozen", cnn_bn, "freeze", lambda: [torch.randn(2, 3, 16, 16)]),
    Case("mlp_frozen", mlp, "freeze", lambda: [torch.randn(4, 32)]),
    Case("transformer_encoder_scripted", encoder, "script",
         lambda: [torch.randn(2, 6, 32), None, padding_mask(2, 6)]),
    Case("transformer_encoder_traced", lambda: EncoderWrap(encoder()), "trace",
         lambda: [torch.randn(2, 6, 32), padding_mask(2, 6)]),
    Case("vit_scripted", vit, "script", lambda: [torch.randn(2, 3, 32, 32)]),
    Case("sdpa_scripted", Sdpa, "script", sdpa_inputs, min_version=(2, 1)),
    Case("sdpa_traced", Sdpa, "trace", sdpa_inputs, min_version=(2, 1)),
    Case("pad_reflect_scripted", PadReflect, "script", pad_inputs),
    Case("pad_reflect_traced", PadReflect, "trace", pad_inputs),
    Case("pad_replicate_scripted", PadReplicate, "script", pad_inputs),
    Case("pad_replicate_traced", PadReplicate, "trace", pad_inputs),
    Case("pad_circular_scripted", PadCircular, "script", pad_inputs),
    Case("pad_circular_traced", PadCircular, "trace", pad_inputs),
    Case("gelu_tanh_scripted", GeluTanh, "script", lambda: [torch.randn(4, 16)]),
    Case("gelu_tanh_traced", GeluTanh, "trace", lambda: [torch.randn(4, 16)]),
    Case("rms_norm_scripted", lambda: randomize_affine(RMSNorms()), "script",
         lambda: [torch.randn(3, 4, 16)], min_version=(2, 4)),
    Case("rms_norm_traced", lambda: randomize_affine(RMSNorms()), "trace",
         lambda: [torch.randn(3, 4, 16)], min_version=(2, 4)),
]


def seed_of(name):
    return zlib.crc32(name.encode())


def compile_module(case, module, inputs):
    module = module.eval()
    with torch.no_grad():
        if case.how == "script":
            return torch.jit.script(module)
        if case.how == "freeze":
            return torch.jit.freeze(torch.jit.script(module))
        if case.how == "trace":
            return torch.jit.trace(module, tuple(inputs))
    raise ValueError(case.how)


def flatten(value):
    """The arrays `tscript run -o` writes for value, in order."""
    if isinstance(value, torch.Tensor):
        return [value.detach().cpu().numpy()]
    if isinstance(value, bool):
        return [np.array(value, dtype=np.bool_)]
    if isinstance(value, int):
        return [np.array(value, dtype=np.int64)]
    if isinstance(value, float):
        return [np.array(value, dtype=np.float64)]
    if isinstance(value, (tuple, list)):
        return [a for v in value for a in flatten(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in flatten(v)]
    return []


def degenerate(a):
    """Why a floating output proves nothing, or None."""
    if not np.all(np.isfinite(a)):
        return "non-finite values"
    if a.size and np.max(np.abs(a)) < 1e-3:
        return "tiny (max |x| %.3g)" % np.max(np.abs(a))
    if a.size > 1 and np.ptp(a) <= 1e-6 * np.max(np.abs(a)):
        return "constant"
    return None


def to_double(v):
    if isinstance(v, torch.Tensor) and v.is_floating_point():
        return v.double()
    return v


def save_npy(path, array):
    with open(path, "wb") as f:
        np.lib.format.write_array(f, np.ascontiguousarray(array), version=(1, 0),
                                  allow_pickle=False)


def input_entry(out_dir, case, k, v):
    if isinstance(v, torch.Tensor):
        name = "%s.in%d.npy" % (case.name, k)
        save_npy(os.path.join(out_dir, name), v.numpy())
        return {"npy": name, "dtype": str(v.numpy().dtype), "shape": list(v.shape)}
    if v is None:
        return {"none": None}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": v}
    raise TypeError("no input entry for %r" % (v,))


def generate(out_dir, only=None):
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    saved = {}  # archive name -> the eager module it was made from
    entries = []
    for case in CASES:
        if only and case.name not in only:
            continue
        if VERSION < case.min_version:
            continue
        # The archive's weights come from the seed of the archive name, the inputs from the case's.
        if case.archive not in saved:
            torch.manual_seed(seed_of(case.archive))
            eager = case.build().eval()
            torch.manual_seed(seed_of(case.archive) + 1)
            trace_inputs = case.inputs()
            compiled = compile_module(case, eager, trace_inputs)
            path = os.path.join(out_dir, case.archive + ".pt")
            torch.jit.save(compiled, path)
            saved[case.archive] = eager
        eager = saved[case.archive]
        torch.manual_seed(seed_of(case.name) + 2)
        inputs = case.inputs()
        loaded = torch.jit.load(os.path.join(out_dir, case.archive + ".pt"))
        with torch.no_grad():
            outputs = flatten(loaded(*inputs))
            outputs64 = None
            if case.double:
                outputs64 = flatten(copy.deepcopy(eager).double()(*[to_double(v) for v in inputs]))
                assert len(outputs64) == len(outputs), case.name
        entry = {"name": case.name, "archive": case.archive + ".pt", "how": case.how,
                 "inputs": [input_entry(out_dir, case, k, v) for k, v in enumerate(inputs)],
                 "outputs": []}
        for k, a in enumerate(outputs):
            name = "%s.out%d.npy" % (case.name, k)
            save_npy(os.path.join(out_dir, name), a)
            out = {"npy": name, "dtype": str(a.dtype), "shape": list(a.shape)}
            if np.issubdtype(a.dtype, np.floating):
                why = degenerate(a)
                if why:
                    raise SystemExit("%s: output %d is degenerate: %s" % (case.name, k, why))
                if outputs64 is not None:
                    a64 = outputs64[k]
                    assert a64.dtype == np.float64 and a64.shape == a.shape, (case.name, k)
                    out["f64"] = "%s.out%d.f64.npy" % (case.name, k)
                    save_npy(os.path.join(out_dir, out["f64"]), a64)
            entry["outputs"].append(out)
        entries.append(entry)
        print("  %-32s %d inputs, %d outputs" % (case.name, len(inputs), len(outputs)))
    manifest = {
        "torch": torch.__version__,
        "torchvision": _torchvision_version(),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "generator": "tests/golden/generate.py",
        "cases": entries,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def _torchvision_version():
    try:
        import torchvision
        return torchvision.__version__
    except ImportError:
        return None


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TorchScript writes module constants in the order of a Python set (string
        # hashing): without a fixed hash seed the code records change from run to run.
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", help="directory to (re)write, e.g. tests/golden/torch-2.15")
    ap.add_argument("--only", nargs="*", help="only these cases (for debugging; "
                    "the manifest then lists only them)")
    args = ap.parse_args()
    # torch.jit is deprecated in recent PyTorch (FutureWarning) but still scripts and saves.
    warnings.simplefilter("ignore", FutureWarning)
    if os.path.isdir(args.out_dir) and not args.only:
        shutil.rmtree(args.out_dir)
    print("torch %s -> %s" % (torch.__version__, args.out_dir))
    generate(args.out_dir, set(args.only) if args.only else None)


if __name__ == "__main__":
    sys.exit(main())
