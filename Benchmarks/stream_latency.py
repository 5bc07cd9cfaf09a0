#!/usr/bin/env python3
"""Latency of `talkingface generate --stream`, measured from outside as a live speaker feels it.

A WAV is fed to the tool's standard input at the pace of real time (its header, then 20 ms of
samples every 20 ms), and the raw RGB frames are read from its standard output as they come.
For frame k, the latency is the time from writing the last sample of k's speech (frame k shows
samples k·n … (k+1)·n − 1, n = rate / 25) to the frame's last byte arriving. Reported: the first
frame's delay after the first byte and after the speech's onset (the first 20 ms whose peak
passes --onset), the latency's median, 95th percentile and maximum, the frames per second over
the run, and how far the feeder fell behind real time (a tool slower than real time holds up the
pipe, so a long lag means the output is not keeping up). The header goes in at once; the samples
start when the tool says it is listening (its "live:" log line), so start-up and loading the
bundle are not counted as latency (they are reported apart). The tool's resident memory is
sampled every 0.5 s: its peak, and its peak over the first and the last quarter of the run (flat
memory: the two about equal).

    python3 Benchmarks/stream_latency.py --bin .build/release/talkingface --audio speech.wav \\
        --speaker Weights/default -- --steps 2

Standard library only. Arguments after `--` go to `talkingface generate`."""

import argparse
import array
import json
import os
import struct
import subprocess
import sys
import threading
import time
import wave


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="the talkingface binary")
    parser.add_argument("--audio", required=True, help="a 16-bit PCM WAV")
    parser.add_argument("--speaker", default=None, help="speaker bundle (default: the tool's default)")
    parser.add_argument("--size", type=int, default=64, help="frame width = height in pixels")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--onset", type=float, default=0.02, help="peak level that marks the speech's start")
    parser.add_argument("--chunk-ms", type=float, default=20)
    parser.add_argument("--json", default=None, help="also write the figures here")
    parser.add_argument("extra", nargs="*", help="more generate options (after --)")
    options = parser.parse_args()

    with wave.open(options.audio) as w:
        assert w.getsampwidth() == 2, "a 16-bit PCM WAV, please"
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = w.readframes(w.getnframes())
    frame_bytes = 2 * channels
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * frame_bytes, frame_bytes, 16) + b"data" + struct.pack("<I", len(pcm))
    samples = array.array("h", pcm)
    chunk_frames = int(rate * options.chunk_ms / 1000)
    onset_chunk = next((i for i in range(0, len(samples) // channels, chunk_frames)
                        if max(abs(v) for v in samples[i * channels:(i + chunk_frames) * channels]) > options.onset * 32768), 0)

    command = [options.bin, "generate", "--stream", "--audio", "-", "--out", "-"]
    if options.speaker:
        command += ["--speaker", options.speaker]
    command += options.extra
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    written = []   # (source frames written so far, time)
    lag = [0.0]
    launched = time.monotonic()
    ready = [launched]

    def feed():
        process.stdin.write(header)
        process.stdin.flush()
        listening.wait()
        ready[0] = time.monotonic()
        at = 0
        total = len(pcm) // frame_bytes
        while at < total:
            due = ready[0] + at / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            lag[0] = max(lag[0], time.monotonic() - due)
            end = min(total, at + chunk_frames)
            process.stdin.write(pcm[at * frame_bytes:end * frame_bytes])
            process.stdin.flush()
            written.append((end, time.monotonic()))
            at = end
        process.stdin.close()

    errors = []
    listening = threading.Event()

    def read_log():
        lines = []
        for line in process.stderr:
            lines.append(line)
            if b"live:" in line:
                listening.set()
        listening.set()  # it ended without listening: let the feeder finish
        errors.append(b"".join(lines))

    rss = []  # (time, resident MB)

    def sample_memory():
        while process.poll() is None:
            try:
                with open("/proc/%d/status" % process.pid) as status:
                    kb = next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))
                rss.append((time.monotonic(), kb / 1024))
            except (OSError, StopIteration):
                pass
            time.sleep(0.5)

    reader = threading.Thread(target=read_log)
    reader.start()
    threading.Thread(target=sample_memory, daemon=True).start()
    feeder = threading.Thread(target=feed)
    feeder.start()
    size = options.size * options.size * 3
    arrivals = []
    while True:
        data = process.stdout.read(size)
        if not data:
            break
        if len(data) < size:
            sys.exit("a frame cut short: %d of %d bytes" % (len(data), size))
        arrivals.append(time.monotonic())
    feeder.join()
    process.wait()
    reader.join()
    if process.returncode != 0:
        sys.exit("talkingface failed (%d):\n%s" % (process.returncode, errors[0].decode(errors="replace")[-2000:]))

    per_frame = rate // options.fps
    latencies = []
    index = 0
    for k, arrived in enumerate(arrivals):
        needed = min(written[-1][0], (k + 1) * per_frame)
        while written[index][0] < needed:
            index += 1
        latencies.append(arrived - written[index][1])
    ordered = sorted(latencies)
    onset_time = next(t for n, t in written if n > onset_chunk)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0
    quarter = (rss[-1][0] - rss[0][0]) / 4 if len(rss) > 1 else 0

    def peak(rows):
        return round(max(mb for _, mb in rows), 1) if rows else None
    figures = {
        "speech_seconds": round(len(pcm) / frame_bytes / rate, 2),
        "frames": len(arrivals),
        "start_up_s": round(ready[0] - launched, 3),
        "first_frame_after_first_sample_s": round(arrivals[0] - ready[0], 3),
        "first_frame_after_speech_onset_s": round(arrivals[0] - onset_time, 3),
        "latency_median_s": round(ordered[len(ordered) // 2], 3),
        "latency_p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "latency_max_s": round(ordered[-1], 3),
        "output_fps": round((len(arrivals) - 1) / span, 2) if span > 0 else None,
        "feeder_lag_max_s": round(lag[0], 3),
        "rss_peak_mb": peak(rss),
        "rss_first_quarter_peak_mb": peak([r for r in rss if r[0] <= rss[0][0] + quarter]),
        "rss_last_quarter_peak_mb": peak([r for r in rss if r[0] >= rss[-1][0] - quarter]),
        "command": " ".join(command[1:]),
    }
    print(json.dumps(figures, indent=2))
    if options.json:
        with open(options.json, "w") as f:
            json.dump(figures, f, indent=2)
    tail = [l for l in errors[0].decode(errors="replace").splitlines() if "frames (" in l]
    if tail:
        print("tool's own report:", tail[-1])


if __name__ == "__main__":
    main()
