# (line 9: f-strings parse, as FSTR nodes; the compiler decides)
# expect error: 10:9: bytes literals are not supported in TorchScript
# expect error: 11:5: try blocks are not supported in TorchScript (exceptions can be raised, not caught): test the condition with an if instead
# expect error: 17:9: yield is not supported in TorchScript: build a list and return it
# expect error: 18:5: 'async' is not supported in TorchScript
# expect error: 20:9: integer literal does not fit in int64
# expect error: 21:11: \N{...} escapes are not supported in TorchScript
def f(x):
    s = f"{x}"
    b = b"raw"
    try:
        y = 1
    except ValueError:
        y = 2
    finally:
        pass
    z = yield x
    async def g():
        pass
    n = 9223372036854775808
    u = "a\N{BULLET}"
    return -9223372036854775808
