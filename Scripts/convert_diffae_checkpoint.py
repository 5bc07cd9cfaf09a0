#!/usr/bin/env python3
"""Convert an official DiffAE checkpoint (phizaz/diffae, PyTorch Lightning `.ckpt`) to safetensors.

    python Scripts/convert_diffae_checkpoint.py checkpoints/ffhq128_autoenc_130M/last.ckpt ffhq128.safetensors
    talkingface weights import ffhq128.safetensors --out Weights/ffhq128/dae.h5

The checkpoint's `state_dict` holds two copies of the model, `model.*` (raw) and
`ema_model.*` (the EMA weights DiffAE samples with), plus buffers of the training wrapper
(`x_T`, `conds_mean`, `conds_std`). `--weights ema` (default) or `--weights model` picks one
copy; its prefix is removed, so the file's keys are BeatGANsAutoencModel's own state-dict
keys (`input_blocks.1.0.in_layers.2.weight`, `encoder.out.3.bias`, …), all float32.
`--keep-prefix` keeps the prefix instead (`talkingface weights import --prefix ema_model.`
then removes it).

Beside the safetensors file, OUT.json records where the weights came from and the
architecture fields of the checkpoint's TrainConfig (`hyper_parameters`), when present.

Unpickling: the .ckpt pickles DiffAE's config classes. This script does not import
DiffAE; classes outside torch/numpy/collections are replaced by inert stand-ins that only
keep their pickled fields, so no code from the file is run.
Needs: torch, safetensors.
"""
import argparse
import json
import pickle
import sys

import torch
from safetensors.torch import save_file

ARCHITECTURE_FIELDS = [
    "img_size", "net_ch", "net_ch_mult", "net_enc_channel_mult", "net_num_res_blocks", "net_enc_num_res_blocks",
    "net_attn", "net_enc_attn", "net_beatgans_attn_head", "net_beatgans_embed_channels", "style_ch", "dropout",
    "net_resblock_updown", "net_beatgans_resnet_two_cond", "net_enc_pool", "T", "T_eval", "beta_scheduler",
    "model_name", "name", "ema_decay",
]


class StandIn:
    """Replaces a pickled class that is not torch's: keeps its state, runs nothing."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def __setstate__(self, state):
        self.__dict__["state"] = state

    def __call__(self, *args, **kwargs):  # enum-style reconstruction Class(value)
        return StandIn(*args)


SAFE_MODULES = ("torch", "collections", "numpy", "builtins", "_codecs", "copyreg")


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module.split(".")[0] in SAFE_MODULES:
            return super().find_class(module, name)
        return type(name, (StandIn,), {"__module__": "standin." + module})


class PickleModule:
    """What torch.load(pickle_module=…) needs: Unpickler plus pickle's load helpers."""
    Unpickler = Unpickler
    load = staticmethod(lambda f, **kw: Unpickler(f, **kw).load())
    __name__ = "pickle"


def plain(value):
    """JSON-able form of a config field (stand-ins become their pickled value)."""
    if isinstance(value, StandIn):
        state = value.__dict__.get("state")
        return plain(state if state is not None else (value.args[0] if value.args else str(type(value).__name__)))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="DiffAE .ckpt (Lightning) or a plain state-dict file")
    parser.add_argument("out", help="output .safetensors")
    parser.add_argument("--weights", choices=["ema", "model"], default="ema", help="which copy (default: ema)")
    parser.add_argument("--keep-prefix", action="store_true", help="keep 'ema_model.' / 'model.' in the keys")
    args = parser.parse_args()

    try:
        ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    except Exception:
        ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=False, pickle_module=PickleModule)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        sys.exit(f"{args.checkpoint}: no state_dict found")

    prefix = "ema_model." if args.weights == "ema" else "model."
    tensors = {}
    for key, value in state.items():
        if key.startswith(prefix) and torch.is_tensor(value):
            tensors[key if args.keep_prefix else key[len(prefix):]] = value.detach().float().contiguous()
    if not tensors:
        sys.exit(f"{args.checkpoint}: no '{prefix}*' tensors (keys start with: "
                 f"{sorted({k.split('.')[0] for k in state})})")
    dropped = sorted(k for k in state if not k.startswith(prefix))

    config = {}
    hyper = ckpt.get("hyper_parameters") if isinstance(ckpt, dict) else None
    conf = hyper.get("conf") if isinstance(hyper, dict) else None
    fields = conf.__dict__.get("state", conf.__dict__) if conf is not None else {}
    if isinstance(fields, dict):
        config = {k: plain(fields[k]) for k in ARCHITECTURE_FIELDS if k in fields}

    save_file(tensors, args.out, metadata={"source": args.checkpoint, "weights": prefix.rstrip(".")})
    info = {
        "source": args.checkpoint,
        "weights": prefix.rstrip("."),
        "key_prefix": prefix if args.keep_prefix else "",
        "tensors": len(tensors),
        "parameters": sum(t.numel() for t in tensors.values()),
        "encoder_parameters": sum(
            t.numel() for k, t in tensors.items() if k.removeprefix(prefix if args.keep_prefix else "").startswith("encoder.")),
        "dropped_keys": len(dropped),
        "diffae_config": config,
    }
    json_path = args.out.rsplit(".", 1)[0] + ".json"
    with open(json_path, "w") as f:
        json.dump(info, f, indent=2)
    print(f"wrote {args.out} ({info['tensors']} tensors, {info['parameters']} parameters) and {json_path}")


if __name__ == "__main__":
    main()
