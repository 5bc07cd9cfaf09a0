"""Copies a public-domain speech clip into the fixtures and records reference facts about it.

How it was made: `python3 Tests/Fixtures/make_speech_fixture.py` run from the
repository root on a machine with Debian's `pocketsphinx-testdata` package installed.
Expected values come from Python's standard `wave` module (an independent WAV reader):
frame count, rate, duration and a few samples as int16 / 32768 (libsndfile's float scale).
Source and licence: see README.md in this folder.
"""
import json
import pathlib
import shutil
import struct
import wave

here = pathlib.Path(__file__).parent
source = pathlib.Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav")
target = here / "speech_librivox_16k.wav"
shutil.copyfile(source, target)

with wave.open(str(target)) as w:
    assert w.getnchannels() == 1 and w.getsampwidth() == 2
    frames, rate = w.getnframes(), w.getframerate()
    pcm = struct.unpack(f"<{frames}h", w.readframes(frames))

indices = [0, 1, 1000, 12345, frames // 2, frames - 1]
expected = {
    "frames": frames,
    "sample_rate": rate,
    "duration": frames / rate,
    "samples": {str(i): pcm[i] / 32768 for i in indices},
    "peak": max(abs(v) for v in pcm) / 32768,
    "transcript": "he was not an ill disposed young man",
}
(here / "speech_librivox_16k_expected.json").write_text(json.dumps(expected) + "\n")
