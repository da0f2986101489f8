#!/usr/bin/python3
"""Generate the tiny archives under tests/data/serialize/ that test_zip.c and
test_pickle.c read back. Run with Debian's python3 (PyTorch 1.13):

    cd tests/data/serialize && /usr/bin/python3 make_data.py

The outputs are committed; rerun only when adding a case. Values are fixed
(no RNG) so the C tests can check them exactly.
"""
import io
import struct
import zipfile
import zlib
from typing import Dict, List, Tuple

import torch


class Linear(torch.nn.Module):
    pass


def linear():
    m = torch.nn.Linear(3, 2)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [0.25, 3.0, -0.125]]))
        m.bias.copy_(torch.tensor([1.0, -2.0]))
    t = torch.jit.trace(m, torch.zeros(1, 3))
    torch.jit.save(t, "linear.pt")


class Views(torch.nn.Module):
    def __init__(self):
        super().__init__()
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        self.register_buffer("b", base[1:, 2:])   # offset 6, sizes (2,2), strides (4,1)
        self.register_buffer("c", base.t())       # offset 0, sizes (4,3), strides (1,4)

    def forward(self):
        return self.b.sum() + self.c.sum()


def views():
    torch.jit.save(torch.jit.script(Views()), "views.pt")


class DTypes(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("f32", torch.tensor([1.5, -2.25], dtype=torch.float32))
        self.register_buffer("f64", torch.tensor([3.125, -1e300], dtype=torch.float64))
        self.register_buffer("i64", torch.tensor([2**40, -7], dtype=torch.int64))
        self.register_buffer("i32", torch.tensor([[1, -2, 3]], dtype=torch.int32))
        self.register_buffer("b8", torch.tensor([True, False, True], dtype=torch.bool))
        self.register_buffer("s0", torch.tensor(42, dtype=torch.int64))

    def forward(self):
        return self.f32


def dtypes():
    torch.jit.save(torch.jit.script(DTypes()), "dtypes.pt")


class Containers(torch.nn.Module):
    li: List[int]
    ls: List[str]
    lf: List[float]
    ll: List[List[int]]
    d: Dict[str, float]
    di: Dict[int, List[str]]
    t: Tuple[int, str, bool]

    def __init__(self):
        super().__init__()
        self.li = [1, -2, 300, 70000, -(2**40)]
        self.ls = ["a", "bc"]
        self.lf = [0.5, -1.25]
        self.ll = [[1, 2], [3]]
        self.d = {"x": 1.5, "y": -2.0}
        self.di = {7: ["q"]}
        self.t = (5, "five", True)

    def forward(self) -> int:
        return self.li[0]


def containers():
    torch.jit.save(torch.jit.script(Containers()), "containers.pt")


def rezip(src, dst, compression, force_zip64=False):
    """Copy an archive's records into a new zip written by Python's zipfile."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if force_zip64:
                zi = zipfile.ZipInfo(info.filename)
                zi.compress_type = compression
                with zout.open(zi, "w", force_zip64=True) as f:
                    f.write(data)
            else:
                zout.writestr(info.filename, data, compress_type=compression)


def zip64_extras(src, dst):
    """A hand-written zip whose central directory saturates every 32-bit field
    (usize, csize, offset = 0xFFFFFFFF) and stores them in 0x0001 extras,
    ending with a zip64 end record and locator. Python's zipfile reads it."""
    with zipfile.ZipFile(src) as zin:
        records = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    out = io.BytesIO()
    central = []
    for name, data in records:
        nm = name.encode()
        off = out.tell()
        crc = zlib.crc32(data)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0x0800, 0, 0, 0, crc,
                              0xFFFFFFFF, 0xFFFFFFFF, len(nm), len(local_extra)))
        out.write(nm + local_extra + data)
        extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0x0800, 0, 0, 0,
                                   crc, 0xFFFFFFFF, 0xFFFFFFFF, len(nm), len(extra), 0, 0, 0,
                                   0, 0xFFFFFFFF) + nm + extra)
    cd_off = out.tell()
    for c in central:
        out.write(c)
    cd_size = out.tell() - cd_off
    z64_off = out.tell()
    n = len(records)
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_off))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, z64_off, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                          0xFFFFFFFF, 0))
    with open(dst, "wb") as f:
        f.write(out.getvalue())
    with zipfile.ZipFile(dst) as z:
        assert z.testzip() is None
        for name, data in records:
            assert z.read(name) == data


def main():
    linear()
    views()
    dtypes()
    containers()
    rezip("linear.pt", "linear_deflated.zip", zipfile.ZIP_DEFLATED)
    rezip("linear.pt", "linear_zip64.zip", zipfile.ZIP_STORED, force_zip64=True)
    zip64_extras("linear.pt", "linear_zip64_extras.zip")
    for f in ["linear_deflated.zip", "linear_zip64.zip"]:
        m = torch.jit.load(f)
        assert torch.equal(m.weight, torch.tensor([[0.5, -1.0, 2.0], [0.25, 3.0, -0.125]]))


if __name__ == "__main__":
    main()
