"""Golden values for Tests/SpeechToLatentTests: log-mel (torchaudio) and Wav2Vec2 / HuBERT
hidden states (transformers) on tiny random models of both layouts.

Run from the repository root:  python3 Tests/Fixtures/make_speech_goldens.py
Writes Tests/Fixtures/speech/ (small; committed).

torchaudio: no wheel matches torch 2.13 (the newest is 2.11), and torchaudio's compiled
extension will not load against another torch. `MelSpectrogram` itself is pure Python on
`torch.stft`, so the goldens come from torchaudio 2.11's Python code with its compiled
libraries absent:
    pip install --target /tmp/ta211 torchaudio==2.11.0 --no-deps
    rm /tmp/ta211/torchaudio/lib/*.so      # the package then imports without its extension
    PYTHONPATH=/tmp/ta211 python3 Tests/Fixtures/make_speech_goldens.py
Without torchaudio importable the script stops. Independently, it also computes the same
mel with torch.stft and the filterbank formula written out here, and checks the two agree.
"""
import json
import math
import pathlib
import wave

import numpy as np
import torch
import torchaudio
from safetensors.torch import save_file
from transformers import (HubertConfig, HubertModel, Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC,
                          Wav2Vec2Model)

here = pathlib.Path(__file__).parent
out = here / "speech"
out.mkdir(exist_ok=True)

with wave.open(str(here / "speech_librivox_16k.wav")) as w:
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
clip = torch.from_numpy(pcm.astype(np.float32) / 32768)  # libsndfile's float scale

# --- 1. Log-mel of the whole clip (Swift: LogMelSpectrogram)

FLOOR = 1e-6
mel = torchaudio.transforms.MelSpectrogram(
    sample_rate=16000, n_fft=400, win_length=400, hop_length=160, n_mels=80, power=2.0)
log_mel = torch.log(mel(clip) + FLOOR).T.contiguous()  # (T, 80)


def mel_by_formula(x):
    """The same features from torch.stft and the HTK triangular filterbank, as a cross-check."""
    spec = torch.stft(x, 400, 160, 400, torch.hann_window(400), center=True, pad_mode="reflect",
                      return_complex=True).abs() ** 2  # (201, T)
    hz_to_mel = lambda f: 2595 * math.log10(1 + f / 700)
    mels = torch.linspace(hz_to_mel(0), hz_to_mel(8000), 82, dtype=torch.float64)
    hz = 700 * (10 ** (mels / 2595) - 1)
    freqs = torch.linspace(0, 8000, 201, dtype=torch.float64)
    rise = (freqs[:, None] - hz[None, :-2]) / (hz[1:-1] - hz[:-2])
    fall = (hz[None, 2:] - freqs[:, None]) / (hz[2:] - hz[1:-1])
    bank = torch.clamp(torch.minimum(rise, fall), min=0).float()  # (201, 80)
    return torch.log(spec.T @ bank + FLOOR)


assert torch.allclose(mel_by_formula(clip), log_mel, rtol=1e-4, atol=1e-4), "torchaudio and formula disagree"
save_file({"log_mel": log_mel}, out / "log_mel.safetensors")

# --- 2. Tiny random Wav2Vec2 / HuBERT of both layouts (Swift: SpeechEncoder)

tiny = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
    conv_dim=(16, 16, 16), conv_kernel=(10, 3, 3), conv_stride=(5, 2, 2),
    num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, vocab_size=8)
layouts = {
    "group": dict(feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False),
    "layer": dict(feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True),
}
speech = clip[16000:18000].clone()  # 0.125 s of speech


def randomise(model, seed):
    """Every parameter random (also norms and biases, which HF initialises to 1 and 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if p.dim() > 1:  # matrices and kernels: unit-ish gain
                p.copy_(noise * 0.5 / p[0].numel() ** 0.5)
            elif "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * noise)
            else:
                p.copy_(0.2 * noise)


def legacy_weight_norm_keys(path):
    """Rewrites parametrizations.weight.original0/1 as weight_g/weight_v (older saves)."""
    from safetensors.torch import load_file
    tensors = load_file(path)
    renamed = {k.replace("parametrizations.weight.original0", "weight_g")
                .replace("parametrizations.weight.original1", "weight_v"): v for k, v in tensors.items()}
    assert renamed.keys() != tensors.keys(), "no parametrized weight norm keys to rename"
    save_file(renamed, path, metadata={"format": "pt"})


index = {}
for family, (config_class, model_class) in {
    "wav2vec2": (Wav2Vec2Config, Wav2Vec2Model), "hubert": (HubertConfig, HubertModel),
}.items():
    for seed, (layout, options) in enumerate(layouts.items()):
        name = f"{family}_{layout}"
        config = config_class(**tiny, **options)
        # One checkpoint as a task model, so its keys carry the "wav2vec2." prefix and a head.
        cls = Wav2Vec2ForCTC if name == "wav2vec2_layer" else model_class
        model = cls(config).eval()
        randomise(model, 10 + seed + (0 if family == "wav2vec2" else 2))
        directory = out / name
        model.save_pretrained(directory)
        if name == "hubert_group":
            legacy_weight_norm_keys(directory / "model.safetensors")
            reloaded = cls.from_pretrained(directory).eval()
            for (k, a), b in zip(model.state_dict().items(), reloaded.state_dict().values()):
                assert torch.equal(a, b), f"legacy weight norm keys did not reload {k}"
        with torch.no_grad():
            output = model(speech[None], output_hidden_states=True)
        states = output.hidden_states
        assert len(states) == config.num_hidden_layers + 1
        goldens = {f"hidden_states.{i}": s[0].contiguous() for i, s in enumerate(states)}
        if cls is Wav2Vec2ForCTC:  # a task model: the base model's output
            with torch.no_grad():
                output = model.wav2vec2(speech[None])
        goldens["last_hidden_state"] = output.last_hidden_state[0].clone()
        goldens["input"] = speech

        # The front end as a whole (Swift: SpeechEncoderFrontEnd): transformers' feature
        # extractor normalises the waveform (do_normalize, its default) before the model.
        if name == "wav2vec2_group":
            normalised = Wav2Vec2FeatureExtractor(do_normalize=True)(
                speech.numpy(), sampling_rate=16000, return_tensors="pt").input_values
            with torch.no_grad():
                front = model(normalised, output_hidden_states=True).hidden_states
            goldens.update({f"front_end.hidden_states.{i}": s[0].clone() for i, s in enumerate(front)})

        # The learned layer weighting (Swift: LayerWeightedSum) on these states, with the
        # gradient of a fixed loss with respect to the layer weights.
        if name == "wav2vec2_group":
            weights = torch.tensor([0.3, -0.2, 0.5], requires_grad=True)
            stacked = torch.stack([s[0] for s in states])  # (L, T, C)
            mixed = (torch.softmax(weights, 0)[:, None, None] * stacked).sum(0)
            ramp = torch.linspace(-1, 1, mixed.numel()).reshape(mixed.shape)
            (mixed * ramp).sum().backward()
            goldens["mix.ramp"] = ramp
            goldens["mix.weights"] = weights.detach().clone()
            goldens["mix.output"] = mixed.detach()
            goldens["mix.weights_grad"] = weights.grad
        save_file(goldens, directory / "goldens.safetensors")
        index[name] = sorted(model.state_dict().keys())[:3]

print(json.dumps(index, indent=1))
