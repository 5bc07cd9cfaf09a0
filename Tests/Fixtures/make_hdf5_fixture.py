"""Makes tiny_h5py.h5 and tiny_h5py_expected.json for TensorFileTests.

How it was made: `python3 Tests/Fixtures/make_hdf5_fixture.py` run from the
repository root, with h5py and numpy installed. The file is written by h5py (the
reference HDF5 writer in our field) with element types our own writer never produces
(float64, big-endian float32, float16 from numpy, int32) and both string attribute forms;
expected values are numpy's own float32 conversion of the stored data.
"""
import json
import pathlib

import h5py
import numpy as np

here = pathlib.Path(__file__).parent
source = np.array([0.1, -2.5, 1.0 / 3.0, 65504.0, 1e-6, -0.0, 3.14159, 1000.7])

datasets = {
    "encoder/conv/weight": source.reshape(2, 2, 2).astype("<f8"),
    "encoder/conv/bias": source[:3].astype(">f4"),
    "decoder/0/norm/weight": source.astype("<f2"),
    "step": np.array([42, -7], dtype="<i4"),
}
with h5py.File(here / "tiny_h5py.h5", "w") as f:
    for path, array in datasets.items():
        f[path] = array
    f.attrs["config"] = json.dumps({"channels": 64, "note": "written by h5py"})  # variable-length str
    f.attrs["fixed"] = np.bytes_(b"fixed-length")
    f.attrs["number"] = 3  # not a string: TensorFile skips it

expected = {
    "tensors": {
        path.replace("/", "."): {"shape": list(a.shape), "values": a.astype(np.float32).flatten().tolist()}
        for path, a in datasets.items()
        if a.dtype.kind == "f"
    },
    "integers": {"step": datasets["step"].astype(np.int64).tolist()},
    "attributes": {"config": json.dumps({"channels": 64, "note": "written by h5py"}), "fixed": "fixed-length"},
}
(here / "tiny_h5py_expected.json").write_text(json.dumps(expected) + "\n")
