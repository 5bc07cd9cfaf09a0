"""PyTorch twin of Sources/SpeechToLatent's SpeechToLatentModel, for Benchmarks/twin.py.

Same module tree and parameter shapes as the Swift model (espnet-style key names), same
forward (SpeechToLatentModel.swift, ConformerBlock.swift, ConformerAttention.swift,
ConformerConvolution.swift, ConformerFeedForward.swift, ConformerPositionalEncoding.swift,
PoseAdaptor.swift) and the same masked losses; dropout in training mode as in Swift. Used
for timing only: weights are PyTorch's default initialisation, not the Swift model's.
"""
import math
import os
import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures"))
from reference_blocks import rel_positions, rel_shift  # noqa: E402


@dataclass(frozen=True)
class S2LConfig:
    """SpeechToLatentConfig's fields (defaults: `.diffDub()`)."""
    feature_dimension: int = 80
    feature_rate: int = 100
    frame_rate: int = 25
    dimension: int = 512
    heads: int = 2
    feed_forward: int = 512
    kernel_size: int = 13
    encoder_blocks: int = 4
    decoder_blocks: int = 4
    dropout: float = 0.2
    latent_dimension: int = 512
    pose_dimension: int = 3
    pose_predictor_channels: int = 256
    pose_predictor_kernel: int = 3
    window_seconds: float = 10
    pose_loss_weight: float = 1

    @property
    def stride(self):
        return self.feature_rate // self.frame_rate

    @property
    def window_frames(self):
        return round(self.window_seconds * self.frame_rate)


DIFFDUB = S2LConfig()
CPU = S2LConfig(dimension=192, heads=2, feed_forward=384, kernel_size=13, encoder_blocks=3, decoder_blocks=3,
                dropout=0.1, pose_predictor_channels=128)


class FeedForward(nn.Module):
    def __init__(self, d, f, p):
        super().__init__()
        self.w_1, self.w_2, self.dropout = nn.Linear(d, f), nn.Linear(f, d), nn.Dropout(p)

    def forward(self, x):
        return self.w_2(self.dropout(F.silu(self.w_1(x))))


class RelPositionAttention(nn.Module):
    """((q + u)·kᵀ + shift((q + v)·pᵀ)) / √dₖ, padded keys masked out; no attention dropout."""

    def __init__(self, d, heads):
        super().__init__()
        dk = d // heads
        self.heads = heads
        self.pos_bias_u = nn.Parameter(torch.empty(heads, dk))
        self.pos_bias_v = nn.Parameter(torch.empty(heads, dk))
        nn.init.xavier_uniform_(self.pos_bias_u)
        nn.init.xavier_uniform_(self.pos_bias_v)
        self.linear_q, self.linear_k, self.linear_v, self.linear_out = (nn.Linear(d, d) for _ in range(4))
        self.linear_pos = nn.Linear(d, d, bias=False)

    def forward(self, x, positions, key_mask):
        b, t, d = x.shape
        h, dk = self.heads, d // self.heads
        q = self.linear_q(x).view(b, t, h, dk)
        k = self.linear_k(x).view(b, t, h, dk).transpose(1, 2)
        v = self.linear_v(x).view(b, t, h, dk).transpose(1, 2)
        p = self.linear_pos(positions).view(1, 2 * t - 1, h, dk).transpose(1, 2)
        content = (q + self.pos_bias_u).transpose(1, 2) @ k.transpose(-1, -2)
        position = rel_shift((q + self.pos_bias_v).transpose(1, 2) @ p.transpose(-1, -2))
        scores = ((content + position) / math.sqrt(dk)).masked_fill(key_mask == 0, float("-inf"))
        context = torch.softmax(scores, dim=-1) @ v
        return self.linear_out(context.transpose(1, 2).reshape(b, t, d))


class ConvModule(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.pointwise_conv1 = nn.Conv1d(d, 2 * d, 1)
        self.depthwise_conv = nn.Conv1d(d, d, k, padding=(k - 1) // 2, groups=d)
        self.norm = nn.BatchNorm1d(d)
        self.pointwise_conv2 = nn.Conv1d(d, d, 1)

    def forward(self, x, frame_mask):
        h = F.glu(self.pointwise_conv1(x.transpose(1, 2)), dim=1) * frame_mask  # (B, D, T)
        h = F.silu(self.norm(self.depthwise_conv(h)))
        return self.pointwise_conv2(h).transpose(1, 2)


class ConformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c.dimension
        self.self_attn = RelPositionAttention(d, c.heads)
        self.feed_forward = FeedForward(d, c.feed_forward, c.dropout)
        self.feed_forward_macaron = FeedForward(d, c.feed_forward, c.dropout)
        self.conv_module = ConvModule(d, c.kernel_size)
        self.norm_ff, self.norm_mha, self.norm_ff_macaron, self.norm_conv, self.norm_final = (nn.LayerNorm(d) for _ in range(5))
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x, positions, key_mask, frame_mask):
        x = x + 0.5 * self.dropout(self.feed_forward_macaron(self.norm_ff_macaron(x)))
        x = x + self.dropout(self.self_attn(self.norm_mha(x), positions, key_mask))
        x = x + self.dropout(self.conv_module(self.norm_conv(x), frame_mask))
        x = x + 0.5 * self.dropout(self.feed_forward(self.norm_ff(x)))
        return self.norm_final(x)


class PosePredictor(nn.Module):
    def __init__(self, c):
        super().__init__()
        ch, k = c.pose_predictor_channels, c.pose_predictor_kernel
        self.conv1, self.norm1 = nn.Conv1d(c.dimension, ch, k, padding=(k - 1) // 2), nn.LayerNorm(ch)
        self.conv2, self.norm2 = nn.Conv1d(ch, ch, k, padding=(k - 1) // 2), nn.LayerNorm(ch)
        self.linear, self.dropout = nn.Linear(ch, c.pose_dimension), nn.Dropout(c.dropout)

    def forward(self, x, frame_mask):
        def layer(h, conv, norm):  # (B, C, T) → (B, T, C')
            return self.dropout(norm(F.relu(conv(h * frame_mask)).transpose(1, 2)))

        h = layer(x.transpose(1, 2), self.conv1, self.norm1)
        return self.linear(layer(h.transpose(1, 2), self.conv2, self.norm2))


class PoseAdaptor(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.pose_predictor = PosePredictor(c)
        self.pose_projector = nn.Linear(c.pose_dimension, c.dimension)

    def forward(self, x, pose, frame_mask):
        predicted = self.pose_predictor(x, frame_mask)
        conditioning = pose if pose is not None else predicted.detach()
        return x + self.pose_projector(conditioning), predicted


class SpeechToLatent(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        d, s = c.dimension, c.stride
        self.register_buffer("latent_mean", torch.zeros(c.latent_dimension))
        self.register_buffer("latent_std", torch.ones(c.latent_dimension))
        self.register_buffer("pose_mean", torch.zeros(c.pose_dimension))
        self.register_buffer("pose_std", torch.ones(c.pose_dimension))
        self.subsampling = nn.Conv1d(c.feature_dimension, d, s + 2 * (s // 2), stride=s, padding=s // 2)
        self.dropout = nn.Dropout(c.dropout)  # the positional encoding's
        self.encoders = nn.ModuleList(ConformerBlock(c) for _ in range(c.encoder_blocks))
        self.pose_adaptor = PoseAdaptor(c)
        self.decoders = nn.ModuleList(ConformerBlock(c) for _ in range(c.decoder_blocks))
        self.output = nn.Linear(d, c.latent_dimension)

    def forward(self, features, lengths, pose=None):
        """features (B, T·s, F), lengths (B,) real frames, pose (B, T, P) normalised."""
        x = self.subsampling(features.transpose(1, 2)).transpose(1, 2)  # (B, T, D)
        b, t, d = x.shape
        frames = (torch.arange(t)[None] < lengths[:, None]).float()     # (B, T)
        key_mask, frame_mask = frames.view(b, 1, 1, t), frames.view(b, 1, t)
        x = self.dropout(x * math.sqrt(d))
        positions = self.dropout(rel_positions(t, d))
        for block in self.encoders:
            x = block(x, positions, key_mask, frame_mask)
        x, predicted_pose = self.pose_adaptor(x, pose, frame_mask)
        for block in self.decoders:
            x = block(x, positions, key_mask, frame_mask)
        return self.output(x), predicted_pose, frames

    def loss(self, features, latents, pose, lengths):
        """Masked MSE on normalised z_sem + weight · masked L1 on normalised pose (teacher forcing)."""
        target_latents = (latents - self.latent_mean) / self.latent_std
        target_pose = (pose - self.pose_mean) / self.pose_std
        predicted, predicted_pose, frames = self(features, lengths, target_pose)
        mask = frames[..., None]                                        # (B, T, 1)

        def masked_mean(element_loss):
            return (element_loss * mask).sum() / (mask.sum() * element_loss.shape[-1]).clamp(min=1)

        latent_loss = masked_mean((predicted - target_latents) ** 2)
        pose_loss = masked_mean((predicted_pose - target_pose).abs())
        return latent_loss + self.config.pose_loss_weight * pose_loss
