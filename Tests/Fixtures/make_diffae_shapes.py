"""State-dict shapes of DiffAE's own models, for the DiffusionAutoencoder preset tests.

Builds phizaz/diffae's BeatGANsAutoencModel (its model code, unmodified) with the
configurations of its templates ffhq64_autoenc, ffhq128_autoenc_*, ffhq256_autoenc and writes
diffae_shapes.json: per preset the parameter counts (UNet = everything but `encoder.`,
encoder) and, for ffhq64, every key with its shape.

Run with a checkout of https://github.com/phizaz/diffae (only model/, choices.py and
config_base.py are imported):
    python3 Tests/Fixtures/make_diffae_shapes.py /path/to/diffae
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])
from model.unet_autoenc import BeatGANsAutoencConfig  # noqa: E402

PRESETS = {  # templates.py: image size, net_ch, net_ch_mult, net_enc_channel_mult
    "ffhq64": (64, 64, (1, 2, 4, 8), (1, 2, 4, 8, 8)),
    "ffhq128": (128, 128, (1, 1, 2, 3, 4), (1, 1, 2, 3, 4, 4)),
    "ffhq256": (256, 128, (1, 1, 2, 2, 4, 4), (1, 1, 2, 2, 4, 4, 4)),
}

out = {}
for name, (size, ch, mult, enc_mult) in PRESETS.items():
    # config.py make_model_conf with autoenc_base's settings
    model = BeatGANsAutoencConfig(
        image_size=size, in_channels=3, model_channels=ch, out_channels=3, num_res_blocks=2,
        embed_channels=512, attention_resolutions=(16,), dropout=0.1, channel_mult=mult,
        enc_out_channels=512, enc_pool="adaptivenonzero", enc_num_res_block=2,
        enc_channel_mult=enc_mult, resblock_updown=True, resnet_two_cond=True, num_heads=1,
        num_head_channels=-1, conv_resample=True, dims=2, use_checkpoint=False,
        use_new_attention_order=False, resnet_use_zero_module=True).make_model()
    state = model.state_dict()
    encoder = sum(v.numel() for k, v in state.items() if k.startswith("encoder."))
    entry = {"unet": sum(v.numel() for v in state.values()) - encoder, "encoder": encoder, "keys": len(state)}
    if name == "ffhq64":
        entry["shapes"] = {k: list(v.shape) for k, v in state.items()}
    out[name] = entry
    print(name, entry["unet"], entry["encoder"], entry["keys"])

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffae_shapes.json")
with open(path, "w") as f:
    json.dump(out, f, indent=0, sort_keys=True)
print("wrote", path)
