"""PyTorch references of the composite blocks, written from the papers' and the reference
code's published structure (our own code). Used by make_op_goldens.py for goldens and by
Benchmarks/twin.py for speed; Swift twins live in Sources/ReferenceBlocks.

  * resblock: DiffAE's ResBlock conditioned on a time embedding and a z_sem
    (diffae model/blocks.py: in_layers, emb_layers, cond_emb_layers, out_layers,
    apply_conditions with scale bias 1; 1x1-conv skip when channels change).
  * attention_block: DiffAE's AttentionBlock (GN, 1x1 qkv, multi-head attention over
    the H*W tokens, 1x1 projection, residual).
  * conformer: one Conformer block (Gulati et al. 2020, espnet layout): macaron FFN 1/2,
    relative-position self-attention (Transformer-XL style with pos_bias_u / pos_bias_v,
    linear_pos and rel_shift), conv module (pointwise conv, GLU, depthwise conv,
    BatchNorm, Swish, pointwise conv), FFN 1/2, final LayerNorm.
"""
import math

import torch
import torch.nn.functional as F


def resblock(x, t_emb, z_sem,
             gn1_w, gn1_b, conv1_w, conv1_b, emb_w, emb_b, cond_w, cond_b,
             gn2_w, gn2_b, conv2_w, conv2_b, skip_w=None, skip_b=None):
    """diffae ResBlock._forward with use_condition=True, two_cond, scale_bias=1, dropout 0."""
    h = F.conv2d(F.silu(F.group_norm(x, 32, gn1_w, gn1_b)), conv1_w, conv1_b, padding=1)  # in_layers
    emb = F.linear(F.silu(t_emb), emb_w, emb_b)[:, :, None, None]       # emb_layers → (N, 2C, 1, 1)
    cond = F.linear(F.silu(z_sem), cond_w, cond_b)[:, :, None, None]    # cond_emb_layers → (N, C, 1, 1)
    t_scale, t_shift = torch.chunk(emb, 2, dim=1)
    h = F.group_norm(h, 32, gn2_w, gn2_b)                               # out_layers[0]
    h = h * (1 + t_scale) + t_shift
    h = h * (1 + cond)
    h = F.conv2d(F.silu(h), conv2_w, conv2_b, padding=1)                # out_layers[1:] (dropout 0)
    skip = x if skip_w is None else F.conv2d(x, skip_w, skip_b)         # skip_connection: 1x1 conv
    return skip + h


def attention_block(x, gn_w, gn_b, qkv_w, qkv_b, proj_w, proj_b, heads):
    """GN → 1x1 qkv → softmax(q kᵀ/√d) v per head over the H·W tokens → 1x1 proj, residual."""
    n, c, hh, ww = x.shape
    tokens = F.group_norm(x, 32, gn_w, gn_b).flatten(2).transpose(1, 2)                  # (N, HW, C)
    qkv = F.linear(tokens, qkv_w, qkv_b).view(n, hh * ww, 3, heads, c // heads)
    q, k, v = qkv.permute(2, 0, 3, 1, 4)                                                 # (N, heads, HW, d)
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // heads), dim=-1) @ v
    out = F.linear(att.transpose(1, 2).reshape(n, hh * ww, c), proj_w, proj_b)
    return x + out.transpose(1, 2).reshape(n, c, hh, ww)


def rel_positions(T, d):
    """espnet RelPositionalEncoding: sinusoids of relative positions T-1, ..., -(T-1) → (1, 2T-1, d)."""
    pos = torch.arange(T - 1, -T, -1.0)[:, None]
    div = torch.exp(torch.arange(0, d, 2.0) * -(math.log(10000.0) / d))
    pe = torch.zeros(2 * T - 1, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe[None]


def rel_shift(x):
    """(B, H, T, 2T-1) scores against relative positions → (B, H, T, T) against keys."""
    B, H, T, P = x.shape
    x = torch.cat([torch.zeros(B, H, T, 1), x], dim=-1).view(B, H, P + 1, T)[:, :, 1:].view(B, H, T, P)
    return x[:, :, :, : P // 2 + 1]


def conformer(x, pos_emb, *p, heads=2):
    (ff1_ln_w, ff1_ln_b, ff1_w1, ff1_b1, ff1_w2, ff1_b2,
     att_ln_w, att_ln_b, wq, bq, wk, bk, wv, bv, wo, bo, wpos, pos_u, pos_v,
     conv_ln_w, conv_ln_b, pw1_w, pw1_b, dw_w, dw_b, bn_w, bn_b, pw2_w, pw2_b,
     ff2_ln_w, ff2_ln_b, ff2_w1, ff2_b1, ff2_w2, ff2_b2, fin_w, fin_b) = p
    B, T, D = x.shape
    dk = D // heads

    def ffn(h, ln_w, ln_b, w1, b1, w2, b2):
        return F.linear(F.silu(F.linear(F.layer_norm(h, (D,), ln_w, ln_b), w1, b1)), w2, b2)

    x = x + 0.5 * ffn(x, ff1_ln_w, ff1_ln_b, ff1_w1, ff1_b1, ff1_w2, ff1_b2)

    h = F.layer_norm(x, (D,), att_ln_w, att_ln_b)
    q = F.linear(h, wq, bq).view(B, T, heads, dk)
    k = F.linear(h, wk, bk).view(B, T, heads, dk).transpose(1, 2)
    v = F.linear(h, wv, bv).view(B, T, heads, dk).transpose(1, 2)
    pe = F.linear(pos_emb, wpos).view(1, -1, heads, dk).transpose(1, 2)     # (1, H, 2T-1, dk)
    ac = (q + pos_u).transpose(1, 2) @ k.transpose(-1, -2)                  # content: (B, H, T, T)
    bd = rel_shift((q + pos_v).transpose(1, 2) @ pe.transpose(-1, -2))      # position: (B, H, T, T)
    attn = torch.softmax((ac + bd) / math.sqrt(dk), dim=-1)
    ctx = (attn @ v).transpose(1, 2).reshape(B, T, D)
    x = x + F.linear(ctx, wo, bo)

    h = F.layer_norm(x, (D,), conv_ln_w, conv_ln_b).transpose(1, 2)         # (B, D, T)
    h = F.glu(F.conv1d(h, pw1_w, pw1_b), dim=1)
    h = F.conv1d(h, dw_w, dw_b, padding=(dw_w.shape[-1] - 1) // 2, groups=D)
    h = F.batch_norm(h, None, None, bn_w, bn_b, training=True, eps=1e-5)
    h = F.conv1d(F.silu(h), pw2_w, pw2_b)
    x = x + h.transpose(1, 2)

    x = x + 0.5 * ffn(x, ff2_ln_w, ff2_ln_b, ff2_w1, ff2_b1, ff2_w2, ff2_b2)
    return F.layer_norm(x, (D,), fin_w, fin_b)


