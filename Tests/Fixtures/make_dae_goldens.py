"""Goldens for the DiffusionAutoencoder tests: a PyTorch reference of the `tiny` preset.

Written after phizaz/diffae (model/unet_autoenc.py, model/unet.py, model/blocks.py,
model/nn.py, diffusion/base.py, diffusion/diffusion.py): the same module tree, hence the
same state-dict keys, and the same forward and DDIM formulas. Weights are random and
non-zero everywhere, rounded to float16 to keep the file small (DiffAE zero-initialises some convolutions; here they are re-drawn so
every path matters), GroupNorm affines are perturbed.

Writes dae_tiny_goldens.safetensors: every weight under its DiffAE key, and under
"golden.*" the inputs and outputs of
  - the semantic encoder (images → z_sem),
  - q_sample (x_t from images, noise, timesteps) and the schedule ᾱ,
  - the ε prediction at two images with different timesteps,
  - one DDIM sampling step (20-step schedule, index 10 → 9, i.e. t = 500 → 450),
  - one DDIM inversion step (t = 0 → 50), both with x̂0 clipped to [-1, 1] as DiffAE does,
  - the ε-MSE training loss at (x_t, t, noise), encoder included, and its gradient for
    a dozen parameters spread over the model.

Run: python3 Tests/Fixtures/make_dae_goldens.py   (torch 2.x, CPU)

Cross-check against DiffAE itself (a checkout of https://github.com/phizaz/diffae):
    python Tests/Fixtures/make_dae_goldens.py --check-against-diffae /path/to/diffae
loads the written weights into DiffAE's BeatGANsAutoencModel (strict key match) and
recomputes every golden with its model and its spaced DDIM sampler (2026-11: all equal,
max difference 0.0).
"""
import argparse
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from safetensors.torch import save_file

# The Swift `tiny` preset (DiffAEConfig).
IMAGE, CH, MULT, RES_BLOCKS, ATTN, EMBED = 32, 32, (1, 1), 1, (16,), 32
ENC_MULT, ENC_RES_BLOCKS, ZSEM, HEADS = (1, 2), 1, 32, 2


@dataclass(frozen=True)
class Shape:
    """DiffAEConfig's fields; the model classes take one (Benchmarks/twin.py builds ffhq64)."""
    image: int = IMAGE
    ch: int = CH
    mult: tuple = MULT
    res_blocks: int = RES_BLOCKS
    attn: tuple = ATTN
    embed: int = EMBED
    enc_mult: tuple = ENC_MULT
    enc_res_blocks: int = ENC_RES_BLOCKS
    zsem: int = ZSEM
    heads: int = HEADS


TINY = Shape()


def norm(c):
    return nn.GroupNorm(min(32, c), c)


class ResBlock(nn.Module):
    """DiffAE ResBlock: in_layers, [emb_layers, cond_emb_layers, out_layers], skip_connection."""

    def __init__(self, cin, cout, conditioned, resample=None, lateral=False, shape=TINY):
        super().__init__()
        self.in_layers = nn.Sequential(norm(cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.conditioned, self.resample, self.lateral = conditioned, resample, lateral
        if conditioned:
            self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(shape.embed, 2 * cout))
            self.cond_emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(shape.zsem, cout))
            self.out_layers = nn.Sequential(norm(cout), nn.SiLU(), nn.Dropout(0.1), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def change_size(self, x):
        if self.resample == "down":
            return nn.functional.avg_pool2d(x, 2, 2)
        if self.resample == "up":
            return nn.functional.interpolate(x, scale_factor=2, mode="nearest")
        return x

    def forward(self, x, emb=None, cond=None, lateral=None):
        if self.lateral:
            x = torch.cat([x, lateral], dim=1)
        h = self.in_layers[1](self.in_layers[0](x))
        h, x = self.change_size(h), self.change_size(x)
        h = self.in_layers[2](h)
        if self.conditioned:
            t_scale, t_shift = self.emb_layers(emb)[..., None, None].chunk(2, dim=1)
            z_scale = self.cond_emb_layers(cond)[..., None, None]
            h = self.out_layers[0](h)
            h = h * (1 + t_scale) + t_shift      # time first
            h = h * (1 + z_scale)                # then z_sem (scale only)
            h = self.out_layers[3](self.out_layers[2](self.out_layers[1](h)))
        return self.skip_connection(x) + h


class AttentionBlock(nn.Module):
    """Self-attention over positions; qkv channels grouped per head as (head, q|k|v, ch)."""

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.norm = norm(c)
        self.qkv = nn.Conv1d(c, 3 * c, 1)
        self.proj_out = nn.Conv1d(c, c, 1)

    def forward(self, x):
        b, c, *spatial = x.shape
        x = x.reshape(b, c, -1)
        qkv = self.qkv(self.norm(x))
        ch = c // self.heads
        q, k, v = qkv.reshape(b * self.heads, 3 * ch, -1).split(ch, dim=1)
        s = 1 / math.sqrt(math.sqrt(ch))
        w = torch.softmax(torch.einsum("bct,bcs->bts", q * s, k * s), dim=-1)
        a = torch.einsum("bts,bcs->bct", w, v).reshape(b, c, -1)
        return (x + self.proj_out(a)).reshape(b, c, *spatial)


class Seq(nn.Sequential):
    """TimestepEmbedSequential."""

    def forward(self, x, emb=None, cond=None, lateral=None):
        for layer in self:
            x = layer(x, emb, cond, lateral) if isinstance(layer, ResBlock) else layer(x)
        return x


class Encoder(nn.Module):
    def __init__(self, shape=TINY):
        super().__init__()
        s = shape
        ch = s.enc_mult[0] * s.ch
        blocks = [Seq(nn.Conv2d(3, ch, 3, padding=1))]
        res = s.image
        for level, mult in enumerate(s.enc_mult):
            for _ in range(s.enc_res_blocks):
                layers = [ResBlock(ch, mult * s.ch, False, shape=s)]
                ch = mult * s.ch
                if res in s.attn:
                    layers.append(AttentionBlock(ch, s.heads))
                blocks.append(Seq(*layers))
            if level != len(s.enc_mult) - 1:
                res //= 2
                blocks.append(Seq(ResBlock(ch, ch, False, "down", shape=s)))
        self.input_blocks = nn.ModuleList(blocks)
        self.middle_block = Seq(ResBlock(ch, ch, False, shape=s), AttentionBlock(ch, s.heads), ResBlock(ch, ch, False, shape=s))
        self.out = nn.Sequential(norm(ch), nn.SiLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Conv2d(ch, s.zsem, 1), nn.Flatten())

    def forward(self, x):
        for block in self.input_blocks:
            x = block(x)
        return self.out(self.middle_block(x))


class TimeStyleSeperateEmbed(nn.Module):
    def __init__(self, shape=TINY):
        super().__init__()
        self.time_embed = nn.Sequential(nn.Linear(shape.ch, shape.embed), nn.SiLU(), nn.Linear(shape.embed, shape.embed))


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class AutoencModel(nn.Module):
    def __init__(self, shape=TINY):
        super().__init__()
        s = self.shape = shape
        self.time_embed = TimeStyleSeperateEmbed(s)
        ch = s.mult[0] * s.ch
        blocks = [Seq(nn.Conv2d(3, ch, 3, padding=1))]
        skips = [[] for _ in s.mult]
        skips[0].append(ch)
        res = s.image
        for level, mult in enumerate(s.mult):
            for _ in range(s.res_blocks):
                layers = [ResBlock(ch, mult * s.ch, True, shape=s)]
                ch = mult * s.ch
                if res in s.attn:
                    layers.append(AttentionBlock(ch, s.heads))
                blocks.append(Seq(*layers))
                skips[level].append(ch)
            if level != len(s.mult) - 1:
                res //= 2
                blocks.append(Seq(ResBlock(ch, ch, True, "down", shape=s)))
                skips[level + 1].append(ch)
        self.input_blocks = nn.ModuleList(blocks)
        self.blocks_per_level = [len(widths) for widths in skips]
        self.middle_block = Seq(ResBlock(ch, ch, True, shape=s), AttentionBlock(ch, s.heads), ResBlock(ch, ch, True, shape=s))
        outs = []
        for level, mult in list(enumerate(s.mult))[::-1]:
            for i in range(s.res_blocks + 1):
                skip = skips[level].pop()
                layers = [ResBlock(ch + skip, mult * s.ch, True, lateral=True, shape=s)]
                ch = mult * s.ch
                if res in s.attn:
                    layers.append(AttentionBlock(ch, s.heads))
                if level and i == s.res_blocks:
                    res *= 2
                    layers.append(ResBlock(ch, ch, True, "up", shape=s))
                outs.append(Seq(*layers))
        self.output_blocks = nn.ModuleList(outs)
        self.out = nn.Sequential(norm(ch), nn.SiLU(), nn.Conv2d(s.mult[0] * s.ch, 3, 3, padding=1))
        self.encoder = Encoder(s)

    def forward(self, x, t, cond):
        s = self.shape
        emb = self.time_embed.time_embed(timestep_embedding(t, s.ch))
        hs = [[] for _ in s.mult]
        k = 0
        for level, count in enumerate(self.blocks_per_level):
            for _ in range(count):
                x = self.input_blocks[k](x, emb, cond)
                hs[level].append(x)
                k += 1
        x = self.middle_block(x, emb, cond)
        k = 0
        for level in reversed(range(len(s.mult))):
            for _ in range(s.res_blocks + 1):
                x = self.output_blocks[k](x, emb, cond, hs[level].pop())
                k += 1
        return self.out(x)


# Gaussian diffusion (float64 schedule, float32 per use), DiffAE's spaced DDIM.
betas = np.linspace(1e-4, 0.02, 1000, dtype=np.float64)
alphas_cumprod = np.cumprod(1.0 - betas)
times = list(range(0, 1000, 50))  # "ddim20"


def ddim_move(x, eps, ab, ab_target):
    """x̂0 = clip(√(1/ᾱ)x − √(1/ᾱ−1)ε); ε' from x̂0; x' = √ᾱ' x̂0 + √(1−ᾱ') ε'."""
    recip = torch.tensor(np.sqrt(1.0 / ab), dtype=torch.float32)
    recipm1 = torch.tensor(np.sqrt(1.0 / ab - 1), dtype=torch.float32)
    x0 = (recip * x - recipm1 * eps).clamp(-1, 1)
    eps2 = (recip * x - x0) / recipm1
    target = torch.tensor(ab_target, dtype=torch.float32)
    return x0 * torch.sqrt(target) + torch.sqrt(1 - target) * eps2


GRADIENT_KEYS = [
    "time_embed.time_embed.0.weight", "input_blocks.0.0.weight", "input_blocks.1.0.out_layers.3.weight",
    "input_blocks.1.0.emb_layers.1.bias", "middle_block.1.qkv.weight", "middle_block.2.cond_emb_layers.1.weight",
    "output_blocks.0.0.skip_connection.weight", "output_blocks.1.2.in_layers.0.weight", "out.2.weight",
    "encoder.input_blocks.0.0.weight", "encoder.middle_block.1.proj_out.weight", "encoder.out.3.weight",
]


def main():
    torch.manual_seed(0)
    model = AutoencModel().eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                m.reset_parameters()  # PyTorch's default init, also for DiffAE's zero-initialised convs
            if isinstance(m, nn.GroupNorm):
                m.weight.copy_(1 + 0.1 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
        for p in model.parameters():
            p.copy_(p.half().float())  # stored as float16: the goldens use exactly the stored values
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    assert all(v.abs().max() > 0 for v in state.values())

    g = {}
    with torch.no_grad():
        images = torch.rand(2, 3, IMAGE, IMAGE) * 2 - 1
        z = model.encoder(images)
        g["images"], g["z_sem"] = images, z

        noise = torch.randn(2, 3, IMAGE, IMAGE)
        t = torch.tensor([3, 950])
        # DiffAE's q_sample: √ᾱ and √(1−ᾱ) taken in float64, then float32
        signal = torch.tensor(np.sqrt(alphas_cumprod[t.numpy()]), dtype=torch.float32)[:, None, None, None]
        noise_scale = torch.tensor(np.sqrt(1 - alphas_cumprod[t.numpy()]), dtype=torch.float32)[:, None, None, None]
        x_t = signal * images + noise_scale * noise
        g["x_t"], g["timesteps"], g["noise"] = x_t, t.float(), noise
        g["alphas_cumprod"] = torch.tensor(alphas_cumprod, dtype=torch.float32)
        g["eps"] = model(x_t, t, z)

        # DDIM sampling step t = 500 → 450 on x_t-like input.
        x500 = torch.randn(2, 3, IMAGE, IMAGE)
        eps500 = model(x500, torch.tensor([500, 500]), z)
        g["ddim_x"], g["ddim_eps"] = x500, eps500
        g["ddim_next"] = ddim_move(x500, eps500, alphas_cumprod[500], alphas_cumprod[450])

        # DDIM inversion step t = 0 → 50 from the images themselves.
        eps0 = model(images, torch.tensor([0, 0]), z)
        g["inversion_eps"] = eps0
        g["inversion_next"] = ddim_move(images, eps0, alphas_cumprod[0], alphas_cumprod[50])

    # End-to-end training loss (encoder + UNet, eval mode so dropout is off) and its gradient
    # for a few parameters spread over the model.
    model.zero_grad()
    z = model.encoder(g["images"])
    loss = ((model(g["x_t"], t, z) - g["noise"]) ** 2).mean()
    loss.backward()
    g["loss"] = loss.detach().reshape(1)
    params = dict(model.named_parameters())
    for key in GRADIENT_KEYS:
        g["grad." + key] = params[key].grad

    tensors = {k: v.half() for k, v in state.items()}
    tensors.update({"golden." + k: v.float().contiguous() for k, v in g.items()})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dae_tiny_goldens.safetensors")
    save_file(tensors, out, metadata={"made_by": "Tests/Fixtures/make_dae_goldens.py", "torch": torch.__version__})
    n = sum(v.numel() for v in state.values())
    print(f"wrote {out}: {len(state)} weights ({n} numbers), goldens {sorted(g)}")


def check_against_diffae(path, diffae):
    """Every golden recomputed by DiffAE's own model and sampler from the written file."""
    sys.path.insert(0, diffae)
    from safetensors.torch import load_file
    from model.unet_autoenc import BeatGANsAutoencConfig
    from diffusion.base import GaussianDiffusionBeatGansConfig, LossType, ModelMeanType, ModelVarType, get_named_beta_schedule
    from diffusion.diffusion import SpacedDiffusionBeatGansConfig, space_timesteps
    from choices import GenerativeType, ModelType

    stored = load_file(path)
    weights = {k: v.float() for k, v in stored.items() if not k.startswith("golden.")}
    g = {k[len("golden."):]: v for k, v in stored.items() if k.startswith("golden.")}
    model = BeatGANsAutoencConfig(
        image_size=IMAGE, in_channels=3, model_channels=CH, out_channels=3, num_res_blocks=RES_BLOCKS,
        embed_channels=EMBED, attention_resolutions=ATTN, dropout=0.1, channel_mult=MULT, enc_out_channels=ZSEM,
        enc_pool="adaptivenonzero", enc_num_res_block=ENC_RES_BLOCKS, enc_channel_mult=ENC_MULT,
        resblock_updown=True, resnet_two_cond=True, num_heads=HEADS).make_model().eval()
    model.load_state_dict(weights, strict=True)
    common = dict(gen_type=GenerativeType.ddim, model_type=ModelType.autoencoder,
                  betas=get_named_beta_schedule("linear", 1000), model_mean_type=ModelMeanType.eps,
                  model_var_type=ModelVarType.fixed_large, loss_type=LossType.mse, rescale_timesteps=False, fp16=False)
    full = GaussianDiffusionBeatGansConfig(**common).make_sampler()
    spaced = SpacedDiffusionBeatGansConfig(**common, use_timesteps=space_timesteps(1000, "ddim20")).make_sampler()
    cond = {"cond": g["z_sem"]}
    with torch.no_grad():
        results = {
            "z_sem": model.encoder(g["images"]),
            "x_t": full.q_sample(g["images"], g["timesteps"].long(), noise=g["noise"]),
            "eps": model(g["x_t"], g["timesteps"].long(), cond=g["z_sem"]).pred,
            "ddim_eps": model(g["ddim_x"], torch.tensor([500, 500]), cond=g["z_sem"]).pred,
            "ddim_next": spaced.ddim_sample(model, g["ddim_x"], torch.tensor([10, 10]), model_kwargs=cond)["sample"],
            "inversion_next": spaced.ddim_reverse_sample(model, g["images"], torch.tensor([0, 0]), model_kwargs=cond)["sample"],
        }
        results["loss"] = full.training_losses(model, g["images"], g["timesteps"].long(), noise=g["noise"])["loss"].mean().reshape(1)
    for key, value in results.items():
        print(f"DiffAE vs golden {key}: max |difference| {(value - g[key]).abs().max().item():.3g}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-against-diffae", metavar="PATH", help="a phizaz/diffae checkout")
    args = parser.parse_args()
    main()
    if args.check_against_diffae:
        check_against_diffae(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dae_tiny_goldens.safetensors"),
                             args.check_against_diffae)
