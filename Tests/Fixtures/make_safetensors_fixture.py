"""Makes tiny_mixed.safetensors and tiny_mixed_expected.json for SafeTensorsTests.

How it was made: `python3 Tests/Fixtures/make_safetensors_fixture.py`
run from the repository root, with torch 2.13 (CPU) and safetensors installed.
The tensors are written by the reference `safetensors.torch.save_file`; the expected
Float32 values are torch's own `.float()` widening of the stored F16/BF16 tensors, so the
Swift reader is checked against the reference implementation, not against itself.
"""
import json
import pathlib

import torch
from safetensors.torch import save_file

here = pathlib.Path(__file__).parent

source = torch.tensor([0.1, -2.5, 1.0 / 3.0, 65504.0, 1e-6, -0.0, 3.14159, 1000.7], dtype=torch.float64)
tensors = {
    "encoder.layers.0.weight": source[:6].reshape(2, 3).to(torch.float32),
    "encoder.layers.0.half": source.reshape(4, 2).to(torch.float16),  # 1e-6 is subnormal in f16
    "encoder.layers.0.brain": (source * 7.77).reshape(2, 2, 2).to(torch.bfloat16),
    "encoder.scalar": torch.tensor(1.5, dtype=torch.float16),
    "embeddings.position_ids": torch.arange(5, dtype=torch.int64).reshape(1, 5),
}
save_file(tensors, here / "tiny_mixed.safetensors", metadata={"format": "pt", "made_by": "make_safetensors_fixture.py"})

expected = {
    name: {"shape": list(t.shape), "values": t.float().flatten().tolist()}
    for name, t in tensors.items()
    if t.is_floating_point()
}
(here / "tiny_mixed_expected.json").write_text(json.dumps(expected) + "\n")
