"""PyTorch twin of Tests/SpeechToLatentTests/SpeechSpeedTests.swift: log-mel and a
wav2vec2-base-shaped forward (random weights, all hidden states) over 10 s of audio.

Run:  python3 Benchmarks/speech_front_end_torch.py   (in a venv with torch; torchaudio optional)
(torchaudio's MelSpectrogram as in Tests/Fixtures/make_speech_goldens.py; without it the
log-mel is timed through torch.stft and the same filterbank.)
"""
import time

import torch
from transformers import Wav2Vec2Config, Wav2Vec2Model

torch.set_num_threads(2)
torch.manual_seed(0)
samples = (torch.rand(160_000) - 0.5) * 0.6


def median_ms(runs, body):
    body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[runs // 2]


try:
    import torchaudio
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160, n_mels=80)
    how = f"torchaudio {torchaudio.__version__}"
except ImportError:
    bank = torch.rand(201, 80)  # same shape as the filterbank: the cost is what is timed
    mel = lambda x: (torch.stft(x, 400, 160, 400, torch.hann_window(400), return_complex=True).abs() ** 2).T @ bank
    how = "torch.stft + filterbank GEMM"

with torch.no_grad():
    ms = median_ms(9, lambda: torch.log(mel(samples) + 1e-6))
print(f"log-mel 80 bins over 10 s ({how}, 2 threads): {ms:.2f} ms")

model = Wav2Vec2Model(Wav2Vec2Config()).eval()
with torch.no_grad():
    ms = median_ms(3, lambda: model(samples[None], output_hidden_states=True))
print(f"wav2vec2-base forward over 10 s (transformers, 2 threads): {ms:.1f} ms")
