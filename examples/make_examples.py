#!/usr/bin/python3
"""Write the example archives of examples/ with real PyTorch.

Run with Debian's python3 (it has python3-torch):

    /usr/bin/python3 examples/make_examples.py

The models are the three of the seed tutorial (SimpleLinear traced,
ConditionalModel scripted, LoopingModel scripted and traced) and a small
scripted MLP. Every run with the same torch writes the same weights
(torch.manual_seed(0)); the inputs are saved as .npy beside them, and
expected.txt records what PyTorch prints for each demo command, so the
output of `make demo` can be checked by eye.
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


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


def mlp():
    return nn.Sequential(
        nn.Linear(16, 32), nn.ReLU(),
        nn.Linear(32, 32), nn.Tanh(),
        nn.Linear(32, 4), nn.Sigmoid(),
    )


def save_npy(name, t):
    np.save(os.path.join(HERE, name), t.detach().numpy())


def load_npy(name):
    return torch.from_numpy(np.load(os.path.join(HERE, name)))


# Each archive is written by its own process: TorchScript renames a class it
# compiles a second time in one process (___torch_mangle_N), and the examples
# should carry the plain names. Every builder starts from seed 0, so
# looping.pt and looping_traced.pt hold the same weights.
BUILDERS = {
    "simple_linear.pt": lambda: torch.jit.trace(SimpleLinear(10, 2).eval(), load_npy("x10.npy")),
    "conditional.pt": lambda: torch.jit.script(ConditionalModel(5, 3).eval()),
    "looping.pt": lambda: torch.jit.script(LoopingModel(10, 20, 5, 3).eval()),
    "looping_traced.pt": lambda: torch.jit.trace(LoopingModel(10, 20, 5, 3).eval(),
                                                 load_npy("x10.npy")),
    "mlp.pt": lambda: torch.jit.script(mlp().eval()),
}


def build_one(name):
    torch.manual_seed(0)
    BUILDERS[name]().save(os.path.join(HERE, name))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        build_one(sys.argv[2])
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--expected":  # expected.txt only, archives kept
        write_expected(load_npy("x10.npy"), load_npy("x5.npy"), load_npy("x16.npy"))
        return

    torch.manual_seed(0)
    x10 = torch.randn(1, 10)
    x5 = torch.randn(1, 5)
    x16 = torch.randn(3, 16)
    save_npy("x10.npy", x10)
    save_npy("x5.npy", x5)
    save_npy("x16.npy", x16)
    for name in BUILDERS:
        subprocess.run([sys.executable, os.path.abspath(__file__), "--one", name], check=True)
    write_expected(x10, x5, x16)
    print("wrote", ", ".join(BUILDERS), "to", HERE, file=sys.stderr)


# The demo's models scripted from source (the seed's listings in tests/script/seed):
# file, constructor arguments, inputs. `--seed 0` seeds before constructing and
# again before the inputs are drawn, so PyTorch's answer is manual_seed(0),
# construct, manual_seed(0), randn.
SOURCE_RUNS = [
    ("scripted_looping.py", "ScriptedLoopingModel", (10, 20, 5, 5), [(1, 10)], []),
    ("scripted_conditional.py", "ScriptedConditionalModel", (5, 3), [(1, 5)], [False]),
]


def source_model(path, cls, args):
    # PyTorch rejects @torch.jit.script on an nn.Module class (the seed's listing
    # as written); the author meant the class itself, so drop the decorator here.
    text = open(path).read().replace("@torch.jit.script\n", "")
    env = {"__name__": os.path.splitext(os.path.basename(path))[0]}
    exec(compile(text, path, "exec"), env)
    return env[cls](*args).eval()


def write_expected(x10, x5, x16):
    # What PyTorch prints for each demo command (see demo.list).
    # randn:2,16 is torch.randn(2, 16) after torch.manual_seed(0) (tscript run's --seed default)
    torch.manual_seed(0)
    randn_2_16 = torch.randn(2, 16)
    values = {"x10.npy": x10, "x5.npy": x5, "x16.npy": x16, "True": True, "False": False,
              "randn:2,16": randn_2_16}
    runs = [
        ("simple_linear.pt", ["x10.npy"]),
        ("conditional.pt", ["x5.npy", "True"]),
        ("conditional.pt", ["x5.npy", "False"]),
        ("looping.pt", ["x10.npy"]),
        ("looping_traced.pt", ["x10.npy"]),
        ("mlp.pt", ["x16.npy"]),
        ("mlp.pt", ["randn:2,16"]),
    ]
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("# What PyTorch %s prints for the demo commands "
                "(written by make_examples.py)\n" % torch.__version__)
        with torch.no_grad():
            for name, words in runs:
                m = torch.jit.load(os.path.join(HERE, name))
                out = m(*[values[w] for w in words])
                cmd = " ".join(["build/tscript run", "examples/" + name] +
                               [w if w in ("True", "False") or w.startswith("randn:") else "examples/" + w
                                for w in words])
                f.write("\n$ %s\n%r\n" % (cmd, out))
            seed_dir = os.path.join(os.path.dirname(HERE), "tests", "script", "seed")
            for fname, cls, args, shapes, extra in SOURCE_RUNS:
                torch.manual_seed(0)
                m = source_model(os.path.join(seed_dir, fname), cls, args)
                torch.manual_seed(0)
                xs = [torch.randn(*sh) for sh in shapes]
                out = m(*xs, *extra)
                cmd = " ".join(["build/tscript run", "tests/script/seed/" + fname,
                                "--args", ",".join(str(a) for a in args), "--seed 0"] +
                               ["randn:" + ",".join(str(d) for d in sh) for sh in shapes] +
                               [str(e) for e in extra])
                f.write("\n$ %s\n%r\n" % (cmd, out))


if __name__ == "__main__":
    main()
