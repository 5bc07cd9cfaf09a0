"""Small writers and readers for the files the fuzz suite feeds the CLI: WAV (via `wave`, plus
IEEE-float WAV by hand), PNG (8- and 16-bit, zlib + struct), and byte patches of HDF5 and
safetensors files. Standard library only."""

import json
import math
import struct
import wave
import zlib

# --- WAV -------------------------------------------------------------------------------------

def write_wav_int16(path, samples, rate=16000, channels=1):
    """16-bit PCM; `samples` are floats in [-1, 1] (interleaved when channels > 1)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", max(-32768, min(32767, int(round(s * 32767))))) for s in samples))


def write_wav_float32(path, samples, rate=16000, channels=1):
    """IEEE-float WAV (format tag 3), which can hold NaN and Inf; `wave` cannot write it."""
    data = struct.pack("<%df" % len(samples), *samples)
    fmt = struct.pack("<HHIIHH", 3, channels, rate, rate * channels * 4, channels * 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def wav_header_int16(rate, channels, data_bytes, bits=16, declared_data=None):
    """A PCM header with arbitrary (possibly absurd) fields, for header fuzzing."""
    block = max(0, channels) * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels & 0xFFFF, rate & 0xFFFFFFFF, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits)
    size = data_bytes if declared_data is None else declared_data
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size & 0xFFFFFFFF)
    return b"RIFF" + struct.pack("<I", (len(body) + data_bytes) & 0xFFFFFFFF) + body


def speech_like(seconds, rate=16000, seed=1):
    """A voiced-sounding test signal (a few harmonics with a syllable envelope)."""
    n = int(seconds * rate)
    out = []
    for i in range(n):
        t = i / rate
        env = 0.5 + 0.5 * math.sin(2 * math.pi * 4 * t)
        f0 = 120 + 20 * math.sin(2 * math.pi * 0.7 * t + seed)
        out.append(0.3 * env * sum(math.sin(2 * math.pi * f0 * k * t) / k for k in (1, 2, 3)))
    return out


def read_wav_info(path):
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getnframes()

# --- PNG -------------------------------------------------------------------------------------

def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width, height, pixels, bit_depth=8, color_type=2, ihdr_size=None):
    """`pixels`: rows of channel values (ints at the given depth), RGB for color type 2, gray for 0,
    RGBA for 6. `ihdr_size` overrides the header's width and height (a lying header)."""
    bpc = bit_depth // 8
    raw = bytearray()
    for row in pixels:
        raw.append(0)
        for v in row:
            raw += v.to_bytes(bpc, "big")
    w, h = ihdr_size or (width, height)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(bytes(raw))) + _chunk(b"IEND", b"")


def read_png(path):
    """(width, height, channels, bit_depth, rows of channel values); non-interlaced PNGs only."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr, palette = 8, b"", None, None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = ihdr
    if interlace:
        raise ValueError("interlaced PNG")
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, channels * depth // 8)
    stride = (width * channels * depth + 7) // 8
    raw = zlib.decompress(idat)
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if depth == 16:
            rows.append([int.from_bytes(line[i:i + 2], "big") for i in range(0, stride, 2)])
        else:
            rows.append(list(line))
    if ctype == 3 and palette:
        rows = [[c for v in row for c in palette[3 * v:3 * v + 3]] for row in rows]
        channels = 3
    return width, height, channels, depth, rows


def png_as_16bit(path_in, path_out):
    """The same picture as 16-bit RGB (each 8-bit value v becomes v·257), so a correct reader
    sees identical pixels."""
    w, h, ch, depth, rows = read_png(path_in)
    assert depth == 8
    rgb = [[v * 257 for x in range(w) for v in row[x * ch:x * ch + 3]] for row in rows]
    open(path_out, "wb").write(png_bytes(w, h, rgb, bit_depth=16))


def png_resized(path_in, path_out, size):
    """Nearest-neighbour resize to size × size (8-bit RGB)."""
    w, h, ch, depth, rows = read_png(path_in)
    out = [[v for x in range(size) for v in rows[y * h // size][(x * w // size) * ch:(x * w // size) * ch + 3]] for y in range(size)]
    open(path_out, "wb").write(png_bytes(size, size, out))


def png_gray(path_in, path_out):
    w, h, ch, depth, rows = read_png(path_in)
    out = [[sum(row[x * ch:x * ch + 3]) // 3 for x in range(w)] for row in rows]
    open(path_out, "wb").write(png_bytes(w, h, out, color_type=0))


def png_stats(path):
    """(mean, standard deviation) of all 8-bit-scaled channel values."""
    w, h, ch, depth, rows = read_png(path)
    scale = 257 if depth == 16 else 1
    vals = [v / scale for row in rows for v in row]
    mean = sum(vals) / len(vals)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))

# --- float runs in binary files (HDF5 weights, latents) -----------------------------------------

def float32_runs(data, lo=1e-7, hi=1e3, minimum=16):
    """(length, byte offset) of runs of plausible float32 values, longest first: where an
    uncompressed HDF5 dataset's numbers lie."""
    runs = []
    for off in range(4):
        n = (len(data) - off) // 4
        vals = struct.unpack_from("<%df" % n, data, off)
        start = None
        for i in range(n + 1):
            v = vals[i] if i < n else 0.0
            ok = v == v and lo <= abs(v) <= hi
            if ok and start is None:
                start = i
            elif not ok and start is not None:
                if i - start >= minimum:
                    runs.append((i - start, off + 4 * start))
                start = None
    runs.sort(reverse=True)
    return runs


def poison_floats(path, value, runs=1, fraction=0.5, every=1):
    """Overwrites the middle `fraction` of the `runs` longest float32 runs with `value`
    (NaN, ±Inf, 1e30 …); returns how many numbers were changed."""
    data = bytearray(open(path, "rb").read())
    word = struct.pack("<f", value)
    changed = 0
    for length, offset in float32_runs(bytes(data))[:runs]:
        first = int(length * (1 - fraction) / 2)
        for i in range(first, first + max(1, int(length * fraction)), every):
            data[offset + 4 * i:offset + 4 * i + 4] = word
            changed += 1
    open(path, "wb").write(bytes(data))
    return changed


def count_nonfinite_float32(data):
    """Canonical NaN / ±Inf words (as Swift and x86 produce them) at 4-byte alignment."""
    words = {b"\x00\x00\xc0\x7f", b"\x00\x00\xc0\xff", b"\x00\x00\x80\x7f", b"\x00\x00\x80\xff"}
    return sum(1 for i in range(0, len(data) - 3, 4) if data[i:i + 4] in words)

# --- the JSON `config` attribute of a checkpoint ------------------------------------------------

def h5_config_span(data):
    """(start, end) of the JSON object stored as the checkpoint's `config` string (in HDF5's
    global heap), or None."""
    for key in (b'{"attentionHeads"', b'{"'):
        start = data.find(key)
        while start >= 0:
            depth = 0
            for end in range(start, min(len(data), start + 8192)):
                ch = data[end]
                if ch == ord("{"): depth += 1
                elif ch == ord("}"):
                    depth -= 1
                    if depth == 0:
                        try:
                            json.loads(data[start:end + 1])
                            return start, end + 1
                        except ValueError:
                            break
                elif ch < 32 or ch > 126:
                    break
            start = data.find(key, start + 1)
    return None


def h5_config(path):
    data = open(path, "rb").read()
    span = h5_config_span(data)
    return None if span is None else json.loads(data[span[0]:span[1]])


def h5_replace_config(path, text):
    """Writes `text` in place of the config JSON, padded with spaces to the same length (the
    heap object keeps its size). Raises when `text` does not fit."""
    data = bytearray(open(path, "rb").read())
    start, end = h5_config_span(bytes(data))
    raw = text.encode()
    if len(raw) > end - start:
        raise ValueError("config too long: %d > %d" % (len(raw), end - start))
    data[start:end] = raw + b" " * (end - start - len(raw))
    open(path, "wb").write(bytes(data))


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":"), allow_nan=True)

# --- safetensors ---------------------------------------------------------------------------------

def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def write_safetensors(path, header, payload):
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(raw)) + raw + payload)
