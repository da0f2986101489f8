"""The seed tutorial's models, written by real PyTorch and run by tscript.

SimpleLinear traced, ConditionalModel scripted (both branches), LoopingModel
scripted (num_loops 3 and 5) and traced (tscript runs the trace's unrolled
loop). Every output tensor is compared with what torch.jit.load(path)(*inputs)
returns: shapes and dtypes exact, floats within the tolerance harness.py
derives from float32 rounding.
"""
import pytest
import torch

from harness import (ConditionalModel, LoopingModel, SimpleLinear, check_model, script,
                     trace)


def simple_linear(archive):
    return archive("simple_linear_traced",
                   lambda: trace(SimpleLinear(10, 2), torch.randn(1, 10)))


@pytest.mark.parametrize("batch", [1, 3])
def test_simple_linear_traced(archive, rundir, batch):
    path = simple_linear(archive)
    torch.manual_seed(100 + batch)
    check_model(path, [torch.randn(batch, 10)], rundir)


@pytest.mark.parametrize("condition", [True, False])
def test_conditional_scripted(archive, rundir, condition):
    path = archive("conditional_scripted", lambda: script(ConditionalModel(5, 3)))
    torch.manual_seed(7)
    check_model(path, [torch.randn(1, 5), condition], rundir)


def test_conditional_branches_differ(archive, rundir):
    """Both branches of the scripted `if` are in the archive: True and False
    give PyTorch's two different answers for the same x."""
    path = archive("conditional_scripted", lambda: script(ConditionalModel(5, 3)))
    torch.manual_seed(8)
    x = torch.randn(2, 5)
    a, _ = check_model(path, [x, True], rundir + "/t")
    b, _ = check_model(path, [x, False], rundir + "/f")
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("num_loops", [3, 5])
def test_looping_scripted(archive, rundir, num_loops):
    path = archive("looping_scripted_%d" % num_loops,
                   lambda: script(LoopingModel(10, 20, 5, num_loops)))
    torch.manual_seed(num_loops)
    check_model(path, [torch.randn(1, 10)], rundir)


def test_looping_traced(archive, rundir):
    """The trace records the loop three times over; tscript runs that graph."""
    path = archive("looping_traced",
                   lambda: trace(LoopingModel(10, 20, 5, 3), torch.randn(1, 10)))
    loaded = torch.jit.load(path)
    # The archive itself has no loop: the hidden layer is called 3 times.
    assert "prim::Loop" not in str(loaded.graph)
    assert str(loaded.code).count("linear_hidden") >= 3
    torch.manual_seed(11)
    check_model(path, [torch.randn(1, 10)], rundir + "/b1")
    check_model(path, [torch.randn(4, 10)], rundir + "/b4")


def test_looping_scripted_and_traced_agree(archive, rundir):
    """Scripted and traced archives of the same weights give the same numbers."""
    torch.manual_seed(12)
    model = LoopingModel(10, 20, 5, 3).eval()
    x = torch.randn(1, 10)
    s = archive("looping_same_weights_scripted", lambda: script(model))
    t = archive("looping_same_weights_traced", lambda: trace(model, x))
    a, _ = check_model(s, [x], rundir + "/s")
    b, _ = check_model(t, [x], rundir + "/t")
    torch.testing.assert_close(a, b)
