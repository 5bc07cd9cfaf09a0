"""The catalogue of fuzz cases: every kind of bad input, each against every command that reads
that kind of input. A case is a small record; its `prepare` makes the mutated inputs in the case's
own folder and returns the paths the command line uses."""

import json
import os
import random
import shutil
import struct
import subprocess

import commands
import fixtures
import media
from commands import COMMANDS, NUMERIC_OPTIONS, BAD_VALUES

REJECT, EITHER, OK = "reject", "either", "ok"


class Case:
    def __init__(self, name, category, command, mutate=None, options=None, expect=REJECT, names=(),
                 nonfinite=False, check=None, no_message_words=()):
        self.name = name
        self.category = category
        self.command = command
        self.mutate = mutate or (lambda P, fx: None)   # edits P (and files in P["dir"]); may return extra names
        self.options = options or {}
        self.expect = expect
        self.names = list(names)          # a failure message must contain one of these (case-insensitive)
        self.nonfinite = nonfinite        # the bad input holds NaN/Inf: exit 0 is a silent acceptance
        self.check = check                # extra output check for an exit 0: fn(P, fx, output) -> error or None
        self.no_message_words = list(no_message_words)

    def prepare(self, directory, fx):
        P = {"dir": directory, "data": fx.data, "dae": fx.dae, "dae_run": fx.dae_run, "latents": fx.latents,
             "latents_xt": fx.latents_xt, "s2l": fx.s2l, "bundle": fx.bundle, "speech": fx.speech, "pose": fx.pose,
             "safetensors": fx.safetensors, "pred": fx.pred, "face_photo": fx.face_photo, "face_video": fx.face_video,
             "face_silent": fx.face_silent, "face_speech": fx.face_speech, "blank_video": fx.blank_video,
             "out": os.path.join(directory, "out"),
             "inputs": set(), "names": list(self.names)}
        extra = self.mutate(P, fx)
        if extra:
            P["names"] += list(extra)
        args = commands.argv(self.command, P, self.options)
        if "argv" in P:
            args = P["argv"](args)
        for key in ("data", "dae", "latents", "latents_xt", "s2l", "bundle", "speech", "safetensors", "pred", "pose",
                    "face_photo", "face_video", "face_silent", "face_speech", "blank_video"):
            if P.get(key) and P[key] in args:
                P["inputs"].add(P[key])
        P["inputs"].update(a for a in args if isinstance(a, str) and a.startswith(directory) and os.path.exists(a)
                           and not a.startswith(P["out"]) and a != P.get("out_exact"))
        return args, P

# --- helpers that copy a fixture into the case's folder ------------------------------------------

def copy_fixture(P, key, name=None):
    """Copies P[key] (file or folder) into the case folder and points P[key] at the copy."""
    source = P[key]
    target = os.path.join(P["dir"], name or os.path.basename(source.rstrip("/")))
    if os.path.isdir(source):
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    P[key] = target
    return target


def edit_json(path, fn):
    obj = json.load(open(path))
    fn(obj)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, allow_nan=True)


def write(path, data):
    if os.path.isdir(path):
        shutil.rmtree(path)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def truncate(path, keep):
    data = open(path, "rb").read()
    write(path, data[:keep if isinstance(keep, int) else int(len(data) * keep)])


def random_bytes(n, seed=7):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(n))

# --- data set mutations (a copy of the fixture data set) -----------------------------------------

def data_case(fn):
    def mutate(P, fx):
        root = copy_fixture(P, "data")
        return fn(root)
    return mutate


def meta_edit(fn):
    return data_case(lambda root: edit_json(os.path.join(root, "meta.json"), fn))


def meta_write(content):
    return data_case(lambda root: write(os.path.join(root, "meta.json"), content))


def set_key(path, value):
    def fn(obj):
        node = obj
        for k in path[:-1]:
            node = node.setdefault(k, {})
        if value is DELETE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return fn


DELETE = object()

META_MUTATIONS = [
    # name, mutate, expectation, names, non-finite
    ("meta-missing", data_case(lambda r: os.remove(os.path.join(r, "meta.json"))), EITHER, ["meta.json"], False),
    ("meta-empty", meta_write(""), REJECT, ["meta.json"], False),
    ("meta-truncated", data_case(lambda r: truncate(os.path.join(r, "meta.json"), 0.5)), REJECT, ["meta.json"], False),
    ("meta-array", meta_write("[1, 2, 3]"), REJECT, ["meta.json"], False),
    ("meta-binary", meta_write(random_bytes(300)), REJECT, ["meta.json"], False),
    ("meta-fps-zero", meta_edit(set_key(["fps"], 0)), REJECT, ["fps"], False),
    ("meta-fps-negative", meta_edit(set_key(["fps"], -25)), REJECT, ["fps"], False),
    ("meta-fps-nan", meta_edit(set_key(["fps"], float("nan"))), REJECT, ["fps", "meta.json"], True),
    ("meta-fps-inf", meta_edit(set_key(["fps"], float("inf"))), REJECT, ["fps", "meta.json"], True),
    ("meta-fps-huge", meta_edit(set_key(["fps"], 1e308)), REJECT, ["fps"], False),
    ("meta-fps-string", meta_edit(set_key(["fps"], "fast")), REJECT, ["fps"], False),
    ("meta-fps-missing", meta_edit(set_key(["fps"], DELETE)), EITHER, ["fps"], False),
    ("meta-crop-outside", meta_edit(set_key(["crop", "x"], 60)), REJECT, ["crop"], False),
    ("meta-crop-negative", meta_edit(set_key(["crop", "y"], -10)), REJECT, ["crop"], False),
    ("meta-crop-zero", meta_edit(set_key(["crop", "width"], 0)), REJECT, ["crop"], False),
    ("meta-crop-huge", meta_edit(set_key(["crop", "height"], 10 ** 12)), REJECT, ["crop"], False),
    ("meta-frame-count-more", meta_edit(set_key(["frame_count"], 1000)), REJECT, ["frame_count", "frames"], False),
    ("meta-frame-count-negative", meta_edit(set_key(["frame_count"], -5)), REJECT, ["frame_count"], False),
    ("meta-size-mismatch", meta_edit(lambda o: o.update(width=128, height=128)), EITHER, ["width", "height", "size"], False),
]

POSE_UNITS_MUTATIONS = [
    ("meta-pose-units-unknown", meta_edit(set_key(["pose_units"], "furlongs")), REJECT, ["pose_units", "furlongs"], False),
    ("meta-pose-units-empty", meta_edit(set_key(["pose_units"], "")), REJECT, ["pose_units"], False),
]


def frames_dir(root):
    return os.path.join(root, "frames")


def frame(root, i):
    return os.path.join(root, "frames", "%05d.png" % i)


def all_frames_16bit(root):
    for name in os.listdir(frames_dir(root)):
        p = os.path.join(frames_dir(root), name)
        media.png_as_16bit(p, p)


def huge_ihdr(root):
    write(frame(root, 5), media.png_bytes(2, 2, [[0] * 6, [0] * 6], ihdr_size=(100000, 100000)))


FRAME_MUTATIONS = [
    ("frames-gap", data_case(lambda r: os.remove(frame(r, 10))), REJECT, ["00010", "gap", "10"], False),
    ("frames-first-missing", data_case(lambda r: os.remove(frame(r, 0))), REJECT, ["00000", "gap"], False),
    ("frames-far-extra", data_case(lambda r: shutil.copy(frame(r, 3), frame(r, 999))), REJECT, ["00999", "gap", "999"], False),
    ("frames-mixed-size", data_case(lambda r: media.png_resized(frame(r, 5), frame(r, 5), 32)), REJECT, ["00005", "size"], False),
    ("frames-16bit", data_case(all_frames_16bit), EITHER, ["16"], False),
    ("frames-gray", data_case(lambda r: media.png_gray(frame(r, 5), frame(r, 5))), EITHER, ["00005"], False),
    ("frames-not-png", data_case(lambda r: write(frame(r, 5), "this is not a picture\n")), REJECT, ["00005"], False),
    ("frames-truncated-png", data_case(lambda r: truncate(frame(r, 5), 0.5)), REJECT, ["00005"], False),
    ("frames-empty-png", data_case(lambda r: write(frame(r, 5), b"")), REJECT, ["00005"], False),
    ("frames-huge-header", data_case(huge_ihdr), REJECT, ["00005"], False),
    ("frames-none", data_case(lambda r: [os.remove(os.path.join(frames_dir(r), n)) for n in os.listdir(frames_dir(r))]),
     REJECT, ["frames", "no frame"], False),
    ("frames-folder-missing", data_case(lambda r: shutil.rmtree(frames_dir(r))), REJECT, ["frames"], False),
    ("frames-folder-is-file", data_case(lambda r: write(frames_dir(r), "x")), REJECT, ["frames"], False),
    ("frames-stray-file", data_case(lambda r: write(os.path.join(frames_dir(r), "notes.txt"), "hello")), EITHER, ["notes.txt"], False),
]


# Mutations of frame 5 alone, and the commands that open every frame.
ONE_FRAME_MUTATIONS = {"frames-mixed-size", "frames-gray", "frames-not-png", "frames-truncated-png", "frames-empty-png",
                       "frames-huge-header"}
READS_EVERY_FRAME = {"dae-train", "dae-encode", "dae-erase", "eval", "finetune"}


def data_seconds(fx):
    meta = json.load(open(os.path.join(fx.data, "meta.json")))
    return meta["frame_count"] / meta["fps"]


def audio_mutations(target_key, filename):
    """The same bad audio for a data set's audio.wav (target_key "data") and for a speech file
    (target_key "speech"); each writes the bad file where the command reads it."""

    def at(fn):
        def mutate(P, fx):
            if target_key == "data":
                root = copy_fixture(P, "data")
                path = os.path.join(root, "audio.wav")
                seconds = data_seconds(fx)
            else:
                path = os.path.join(P["dir"], filename)
                P["speech"] = path
                seconds = 2.0
            fn(path, seconds)
        return mutate

    def float_with(value):
        def fn(path, seconds):
            s = media.speech_like(seconds)
            for i in range(len(s) // 3, len(s) // 3 + 50):
                s[i] = value
            media.write_wav_float32(path, s)
        return fn

    def header(rate, channels, samples=16000):
        return lambda path, seconds: write(path, media.wav_header_int16(rate, channels, samples * 2) + b"\x00\x10" * samples)

    base = os.path.basename(filename)
    return [
        ("audio-empty", at(lambda p, s: write(p, b"")), REJECT, [base], False),
        ("audio-header-only", at(lambda p, s: write(p, media.wav_header_int16(16000, 1, 0))), REJECT, [base], False),
        ("audio-truncated", at(lambda p, s: (media.write_wav_int16(p, media.speech_like(s)), truncate(p, 0.5))), EITHER, [base], False),
        ("audio-nan", at(float_with(float("nan"))), REJECT, [base], True),
        ("audio-inf", at(float_with(float("inf"))), REJECT, [base], True),
        ("audio-huge-values", at(float_with(1e30)), EITHER, [base], False),
        ("audio-silence", at(lambda p, s: media.write_wav_int16(p, [0.0] * int(s * 16000))), EITHER, [base], False),
        ("audio-rate-huge", at(header(2 ** 31 - 1, 1)), EITHER, [base, "rate"], False),
        ("audio-rate-zero", at(header(0, 1)), REJECT, [base, "rate"], False),
        ("audio-channels-zero", at(header(16000, 0)), REJECT, [base, "channel"], False),
        ("audio-text", at(lambda p, s: write(p, "RIFF? no, just words\n" * 20)), REJECT, [base], False),
        ("audio-one-sample", at(lambda p, s: media.write_wav_int16(p, [0.1])), EITHER, [base, "short"], False),
        ("audio-stereo-44k", at(lambda p, s: media.write_wav_int16(p, [v for v in media.speech_like(s, rate=44100) for _ in (0, 1)],
                                                                   rate=44100, channels=2)), EITHER, [base], False),
        ("audio-is-folder", at(lambda p, s: (os.path.exists(p) and os.remove(p), os.makedirs(p))), REJECT, [base], False),
    ]


def pose_rows(n, value_at=None):
    rows = ["frame,yaw,pitch,roll"]
    for i in range(n):
        yaw, pitch, roll = "%.4f" % (0.1 * ((i % 10) / 5 - 1)), "0.0500", "-0.0300"
        if value_at and i == value_at[0]:
            yaw = value_at[1]
        rows.append("%d,%s,%s,%s" % (i, yaw, pitch, roll))
    return "\n".join(rows) + "\n"


def pose_mutations(target_key, filename):
    """Bad pose tables, for a data set's pose.csv (target "data") or a --pose file (target "pose")."""

    def at(fn):
        def mutate(P, fx):
            if target_key == "data":
                root = copy_fixture(P, "data")
                path = os.path.join(root, "pose.csv")
                n = json.load(open(os.path.join(root, "meta.json")))["frame_count"]
            else:
                path = os.path.join(P["dir"], filename)
                P["pose"] = path
                n = 50
            write(path, fn(n))
        return mutate

    base = os.path.basename(filename)
    deg = lambda n: "\n".join(["frame,yaw,pitch,roll"] + ["%d,%.1f,%.1f,%.1f" % (i, 30 + i % 20, -10.0, 5.0) for i in range(n)]) + "\n"
    return [
        ("pose-nan", at(lambda n: pose_rows(n, (5, "nan"))), REJECT, [base, "yaw"], True),
        ("pose-inf", at(lambda n: pose_rows(n, (5, "inf"))), REJECT, [base, "yaw"], True),
        ("pose-1e30", at(lambda n: pose_rows(n, (5, "1e30"))), REJECT, [base, "yaw"], False),
        ("pose-degrees-as-radians", at(deg), REJECT, [base, "degrees"], False),
        ("pose-empty", at(lambda n: ""), REJECT, [base], False),
        ("pose-header-only", at(lambda n: "frame,yaw,pitch,roll\n"), REJECT, [base], False),
        ("pose-missing-column", at(lambda n: "\n".join(["frame,yaw,pitch"] + ["%d,0.1,0.0" % i for i in range(n)]) + "\n"),
         REJECT, [base, "roll"], False),
        ("pose-text-value", at(lambda n: pose_rows(n, (5, "left"))), REJECT, [base, "left", "yaw"], False),
        ("pose-short", at(lambda n: pose_rows(n // 2)), REJECT, [base, "rows", "frames", "length"], False),
        ("pose-negative-frame", at(lambda n: pose_rows(n).replace("\n0,", "\n-1,", 1)), REJECT, [base, "frame"], False),
        ("pose-duplicate-frame", at(lambda n: pose_rows(n).replace("\n2,", "\n1,", 1)), REJECT, [base, "frame"], False),
    ]

# --- model files ----------------------------------------------------------------------------------

def file_mutations(kind, key_path):
    """Corruptions of an HDF5 file. `key_path(P, fx)` copies the fixture into the case folder and
    returns the path of the file to corrupt (e.g. a bundle's dae.h5)."""

    def at(fn):
        def mutate(P, fx):
            path = key_path(P, fx)
            fn(path)
        return mutate

    def flip_superblock(path):
        data = bytearray(open(path, "rb").read())
        for i in range(8, 48):
            data[i] ^= 0x5A
        write(path, bytes(data))

    def poison(value):
        return lambda path: media.poison_floats(path, value)

    return [
        (kind + "-empty", at(lambda p: write(p, b"")), REJECT, False),
        (kind + "-truncated-half", at(lambda p: truncate(p, 0.5)), REJECT, False),
        (kind + "-truncated-head", at(lambda p: truncate(p, 512)), REJECT, False),
        (kind + "-text", at(lambda p: write(p, "not an HDF5 file\n")), REJECT, False),
        (kind + "-random", at(lambda p: write(p, random_bytes(os.path.getsize(p) if os.path.getsize(p) < 4000 else 4000))), REJECT, False),
        (kind + "-superblock-flipped", at(flip_superblock), REJECT, False),
        (kind + "-is-folder", at(lambda p: (os.remove(p), os.makedirs(p))), REJECT, False),
        (kind + "-nan", at(poison(float("nan"))), REJECT, True),
        (kind + "-inf", at(poison(float("inf"))), REJECT, True),
    ]


def config_mutations(key_path):
    """The DAE config JSON inside the checkpoint, edited in place."""

    def edit(changes):
        def mutate(P, fx):
            path = key_path(P, fx)
            config = media.h5_config(path)
            config.pop("prediction", None)       # optional; frees room for longer values
            config["dropout"] = 0
            config.update(changes)
            media.h5_replace_config(path, media.compact_json(config))
        return mutate

    def raw(text):
        def mutate(P, fx):
            media.h5_replace_config(key_path(P, fx), text)
        return mutate

    return [
        ("config-heads-zero", edit({"attentionHeads": 0}), ["attentionHeads"]),
        ("config-heads-negative", edit({"attentionHeads": -2}), ["attentionHeads"]),
        ("config-heads-not-dividing", edit({"attentionHeads": 3}), ["attentionHeads"]),
        ("config-channels-zero", edit({"channels": 0}), ["channels"]),
        ("config-channels-negative", edit({"channels": -32}), ["channels"]),
        ("config-channels-huge", edit({"channels": 99999999999}), ["channels"]),
        ("config-mult-empty", edit({"channelMult": []}), ["channelMult"]),
        ("config-mult-zero", edit({"channelMult": [0, 1]}), ["channelMult"]),
        ("config-mult-negative", edit({"channelMult": [1, -1]}), ["channelMult"]),
        ("config-mult-huge", edit({"channelMult": [1, 100000000]}), ["channelMult"]),
        ("config-image-size-zero", edit({"imageSize": 0}), ["imageSize"]),
        ("config-image-size-negative", edit({"imageSize": -32}), ["imageSize"]),
        ("config-image-size-odd", edit({"imageSize": 33}), ["imageSize"]),
        ("config-image-size-huge", edit({"imageSize": 9999999}), ["imageSize"]),
        ("config-zsem-zero", edit({"zSemChannels": 0}), ["zSemChannels"]),
        ("config-resblocks-negative", edit({"resBlocks": -1}), ["resBlocks"]),
        ("config-embed-zero", edit({"embedChannels": 0}), ["embedChannels"]),
        ("config-encoder-mult-empty", edit({"encoderChannelMult": []}), ["encoderChannelMult"]),
        ("config-attention-res-negative", edit({"attentionResolutions": [-16]}), ["attentionResolutions"]),
        ("config-not-json", raw("{ this is not json"), ["config"]),
        ("config-empty-object", raw("{}"), ["config", "attentionHeads", "channels", "imageSize", "missing"]),
    ]


def s2l_config_mutations(key_path):
    def edit(changes):
        def mutate(P, fx):
            path = key_path(P, fx)
            config = media.h5_config(path)
            config.update(changes)
            media.h5_replace_config(path, media.compact_json(config))
        return mutate

    return [
        ("s2l-config-heads-zero", edit({"heads": 0}), ["heads"]),
        ("s2l-config-dimension-zero", edit({"dimension": 0}), ["dimension"]),
        ("s2l-config-dimension-negative", edit({"dimension": -1}), ["dimension"]),
        ("s2l-config-kernel-zero", edit({"kernelSize": 0}), ["kernelSize"]),
        ("s2l-config-window-zero", edit({"windowSeconds": 0}), ["windowSeconds"]),
        ("s2l-config-frame-rate-zero", edit({"frameRate": 0}), ["frameRate"]),
        ("s2l-config-latent-mismatch", edit({"latentDimension": 99}), ["latentDimension", "shape"]),
        ("s2l-config-feed-forward-negative", edit({"feedForward": -1}), ["feedForward"]),
    ]

# --- bundle meta.json -----------------------------------------------------------------------------

def bundle_meta(fn):
    def mutate(P, fx):
        root = copy_fixture(P, "bundle")
        path = os.path.join(root, "meta.json")
        if callable(fn):
            edit_json(path, fn)
        else:
            write(path, fn)
    return mutate


BUNDLE_META_MUTATIONS = [
    ("bundle-meta-empty", bundle_meta(""), ["meta.json"], False),
    ("bundle-meta-not-json", bundle_meta("{ \"name\": "), ["meta.json"], False),
    ("bundle-meta-array", bundle_meta("[]"), ["meta.json"], False),
    ("bundle-meta-fps-zero", bundle_meta(set_key(["fps"], 0)), ["fps"], False),
    ("bundle-meta-fps-negative", bundle_meta(set_key(["fps"], -25)), ["fps"], False),
    ("bundle-meta-fps-nan", bundle_meta(set_key(["fps"], float("nan"))), ["fps", "meta.json"], True),
    ("bundle-meta-fps-huge", bundle_meta(set_key(["fps"], 1e308)), ["fps"], False),
    ("bundle-meta-steps-zero", bundle_meta(set_key(["default_steps"], 0)), ["default_steps"], False),
    ("bundle-meta-steps-negative", bundle_meta(set_key(["default_steps"], -5)), ["default_steps"], False),
    ("bundle-meta-steps-huge", bundle_meta(set_key(["default_steps"], 10 ** 12)), ["default_steps"], False),
    ("bundle-meta-image-size-zero", bundle_meta(set_key(["image_size"], 0)), ["image_size"], False),
    ("bundle-meta-image-size-negative", bundle_meta(set_key(["image_size"], -32)), ["image_size"], False),
    ("bundle-meta-image-size-wrong", bundle_meta(set_key(["image_size"], 64)), ["image_size"], False),
    ("bundle-meta-image-size-huge", bundle_meta(set_key(["image_size"], 10 ** 9)), ["image_size"], False),
    ("bundle-meta-dae-preset-unknown", bundle_meta(set_key(["dae_preset"], "giant")), ["dae_preset", "giant"], False),
    ("bundle-meta-dae-preset-wrong", bundle_meta(set_key(["dae_preset"], "ffhq256")), ["dae_preset", "ffhq256"], False),
    ("bundle-meta-s2l-preset-unknown", bundle_meta(set_key(["s2l_preset"], "huge")), ["s2l_preset", "huge"], False),
    ("bundle-meta-pose-units-unknown", bundle_meta(set_key(["pose_units"], "furlongs")), ["pose_units", "furlongs"], False),
    ("bundle-meta-features-unknown", bundle_meta(set_key(["features"], "smell")), ["features", "smell"], False),
    ("bundle-meta-format-future", bundle_meta(set_key(["format"], 99)), ["format"], False),
    ("bundle-meta-preset-missing", bundle_meta(set_key(["dae_preset"], DELETE)), ["dae_preset"], False),
    ("bundle-meta-missing", lambda P, fx: (copy_fixture(P, "bundle"), os.remove(os.path.join(P["bundle"], "meta.json"))),
     ["meta.json"], False),
]


def bundle_file(name):
    def path(P, fx):
        root = copy_fixture(P, "bundle")
        return os.path.join(root, name)
    return path


def run_file(key, name):
    """Copies a run folder (dae or s2l) and returns the path of its model file inside the copy."""
    def path(P, fx):
        source_run = fx.dae_run if key == "dae" else fx.s2l_run
        copy = os.path.join(P["dir"], os.path.basename(source_run))
        shutil.copytree(source_run, copy)
        P[key] = os.path.join(copy, name)
        return P[key]
    return path


def single_file(key):
    def path(P, fx):
        return copy_fixture(P, key)
    return path

# --- safetensors ----------------------------------------------------------------------------------

def safetensors_case(fn):
    def mutate(P, fx):
        path = copy_fixture(P, "safetensors")
        header, payload = media.read_safetensors(path)
        result = fn(path, header, payload)
        if result is not None:
            header, payload = result
            media.write_safetensors(path, header, payload)
    return mutate


def first_weight(header):
    return sorted(k for k in header if k != "__metadata__" and header[k]["dtype"] in ("F32", "F16"))[0]


def st_poison(value):
    """Puts `value` (NaN or Inf) in the middle of the first weight, in its own dtype."""
    def fn(path, header, payload):
        key = first_weight(header)
        start, end = header[key]["data_offsets"]
        fmt = "<e" if header[key]["dtype"] == "F16" else "<f"
        width = struct.calcsize(fmt)
        at = start + ((end - start) // 2 // width) * width
        payload = bytearray(payload)
        payload[at:at + width] = struct.pack(fmt, value)
        return header, bytes(payload)
    return fn


def st_edit(fn):
    def edit(path, header, payload):
        fn(header)
        return header, payload
    return edit


SAFETENSORS_MUTATIONS = [
    ("st-empty", safetensors_case(lambda p, h, d: write(p, b"")), ["safetensors"], False),
    ("st-four-bytes", safetensors_case(lambda p, h, d: write(p, b"\x01\x02\x03\x04")), ["safetensors"], False),
    ("st-header-length-huge", safetensors_case(lambda p, h, d: write(p, struct.pack("<Q", 2 ** 62) + b"{}")), ["header"], False),
    ("st-header-length-past-end", safetensors_case(lambda p, h, d: write(p, struct.pack("<Q", 4096) + b"{}")), ["header"], False),
    ("st-header-not-json", safetensors_case(lambda p, h, d: write(p, struct.pack("<Q", 8) + b"{{{{{{{{")), ["header", "JSON"], False),
    ("st-header-array", safetensors_case(lambda p, h, d: write(p, struct.pack("<Q", 8) + b"[1,2,3] ")), ["header"], False),
    ("st-offsets-past-end", safetensors_case(st_edit(lambda h: h[first_weight(h)].update(data_offsets=[0, 10 ** 9]))),
     ["offset", "data_offsets"], False),
    ("st-offsets-reversed", safetensors_case(st_edit(lambda h: h[first_weight(h)].update(data_offsets=[64, 0]))),
     ["offset", "data_offsets"], False),
    ("st-dtype-unknown", safetensors_case(st_edit(lambda h: h[first_weight(h)].update(dtype="Q99"))), ["dtype", "Q99"], False),
    ("st-shape-negative", safetensors_case(st_edit(lambda h: h[first_weight(h)].update(shape=[-1, 4]))), ["shape"], False),
    ("st-shape-mismatch", safetensors_case(st_edit(lambda h: h[first_weight(h)].update(shape=[7, 7, 7]))), ["shape"], False),
    ("st-key-missing", safetensors_case(st_edit(lambda h: h.pop(first_weight(h)))), ["key", "missing", "preset"], False),
    ("st-payload-truncated", safetensors_case(lambda p, h, d: (h, d[:len(d) // 2])), ["offset", "truncated", "safetensors"], False),
    ("st-nan", safetensors_case(st_poison(float("nan"))), ["nan", "finite"], True),
    ("st-inf", safetensors_case(st_poison(float("inf"))), ["inf", "finite"], True),
]

# --- output paths ---------------------------------------------------------------------------------

PRIMARY_INPUT = {
    "dae-train": "data", "dae-encode": "data", "dae-decode": "latents_xt", "dae-reconstruct": "data", "dae-erase": "dae",
    "s2l-train": "data", "s2l-predict": "s2l", "bundle": "data", "generate": "bundle", "clip": "data", "eval": "pred",
    "finetune": "data", "distill": "bundle", "probe": "data", "weights-import": "safetensors",
}
FILE_OUTPUT = {"dae-encode", "dae-erase", "s2l-predict", "weights-import", "eval"}


def set_out(P, path):
    """Makes the command write to `path` exactly (no extension added)."""
    command_ext = {".h5", ".json"}
    P["out_exact"] = path
    P["argv"] = lambda args: [path if isinstance(a, str) and a in (P["out"], P["out"] + ".h5", P["out"] + ".json") else a
                              for a in args]


def out_equals_input(command):
    def mutate(P, fx):
        key = PRIMARY_INPUT[command]
        copy_fixture(P, key)
        set_out(P, P[key])
        return ["--out", "--json", os.path.basename(P[key])]
    return mutate


def out_inside_input(command):
    def mutate(P, fx):
        key = PRIMARY_INPUT[command]
        copy_fixture(P, key)
        if os.path.isdir(P[key]):
            inside = os.path.join(P[key], "frames") if os.path.isdir(os.path.join(P[key], "frames")) else P[key]
            target = os.path.join(inside, sorted(os.listdir(inside))[0]) if command in FILE_OUTPUT else inside
        else:
            target = P[key]
        set_out(P, target)
        return ["--out", "--json", os.path.basename(P[key]), os.path.basename(target)]
    return mutate


def out_is_file(P, fx):
    path = os.path.join(P["dir"], "notes")
    write(path, "the user's notes\n")
    P["inputs"].add(path)
    set_out(P, path)
    return ["notes"]


def out_foreign_folder(P, fx):
    path = os.path.join(P["dir"], "mine")
    os.makedirs(path)
    write(os.path.join(path, "thesis.txt"), "years of work\n")
    P["inputs"].add(os.path.join(path, "thesis.txt"))   # writing beside it is fine; losing it is not
    set_out(P, path)
    return ["mine"]


def out_readonly(P, fx):
    parent = os.path.join(P["dir"], "locked")
    os.makedirs(parent)
    os.chmod(parent, 0o555)
    # root ignores permissions; an immutable folder refuses it too (where the file system allows)
    subprocess.run(["chattr", "+i", parent], stderr=subprocess.DEVNULL)
    set_out(P, os.path.join(parent, "out"))
    P["readonly"] = parent
    return ["locked"]


def out_proc(P, fx):
    set_out(P, "/proc/self/fuzz/out")
    return ["/proc/self/fuzz"]


def out_missing_parent(P, fx):
    set_out(P, os.path.join(P["dir"], "a", "b", "out"))
    return ["a/b"]


def out_empty(P, fx):
    set_out(P, "")
    return ["--out", "--json", "empty"]


def out_model_input(command):
    """Commands with a model input: --out at that model (file or its run folder)."""
    def mutate(P, fx):
        key = {"dae-encode": "dae", "dae-decode": "dae", "dae-reconstruct": "dae", "bundle": "s2l", "probe": "dae",
               "s2l-train": "latents", "eval": "data"}[command]
        copy_fixture(P, key)
        target = P[key]
        if command == "eval":
            target = os.path.join(target, "frames", "00003.png")
        elif command not in FILE_OUTPUT and not os.path.isdir(target):
            target = target                    # a folder output pointed at a model file
        set_out(P, target)
        return ["--out", "--json", os.path.basename(target)]
    return mutate

# --- real-face inputs: generate --into VIDEO, eval --sync VIDEO [--audio WAV], synth --photo IMAGE --

def bad_file(key, name, fn):
    """Points P[key] at `name` in the case folder, made by fn(path, fx) (None: left absent)."""
    def mutate(P, fx):
        path = os.path.join(P["dir"], name)
        if fn:
            fn(path, fx)
        P[key] = path
    return mutate


def as_folder(path, fx):
    os.makedirs(path)


def truncated_copy(source):
    def fn(path, fx):
        shutil.copy(getattr(fx, source), path)
        truncate(path, 0.5)
    return fn


def copied(source):
    return lambda path, fx: shutil.copy(getattr(fx, source), path)


def plain_png(path, fx, size=96):
    write(path, media.png_bytes(size, size, [[128, 140, 150] * size] * size))


def bad_inputs(key, extension, no_face):
    """The bad files a face input may be: (name, mutate, expectation, names)."""
    base = "face" + extension
    return [
        ("missing", bad_file(key, "nowhere" + extension, None), REJECT, ["nowhere" + extension]),
        ("empty", bad_file(key, base, lambda p, fx: write(p, b"")), REJECT, [base]),
        ("text", bad_file(key, base, lambda p, fx: write(p, "this is not a picture\n" * 20)), REJECT, [base]),
        ("folder", bad_file(key, base, as_folder), REJECT, [base]),
        ("no-face", bad_file(key, "plain" + extension, no_face), REJECT, ["plain" + extension]),
    ]


def drop_flag(flag):
    """Removes a flag without a value from the command line."""
    def mutate(P, fx):
        P["argv"] = lambda args: [a for a in args if a != flag]
    return mutate


def both(*mutations):
    def mutate(P, fx):
        names = []
        for m in mutations:
            names += m(P, fx) or []
        return names
    return mutate


def into_is_out(P, fx):
    """--into and --out the same video: the user's recording must not be overwritten."""
    video = os.path.join(P["dir"], "me.mp4")
    shutil.copy(fx.face_video, video)
    P["face_video"] = video
    set_out(P, video)
    return ["--into", "me.mp4"]


def silent_with_audio(fn, name="speech.wav"):
    """eval --sync on the silent clip with --audio made by fn(path) (None: left absent)."""
    def mutate(P, fx):
        path = os.path.join(P["dir"], name)
        if fn:
            fn(path)
        P["face_video"] = fx.face_silent
        P["face_speech"] = path
    return mutate


def speech_with(value):
    def fn(path):
        s = media.speech_like(0.6)
        for i in range(len(s) // 3, len(s) // 3 + 50):
            s[i] = value
        media.write_wav_float32(path, s)
    return fn


def sync_report_check(P, fx, output):
    """A sync report on the talking clip: every frame compared, a correlation over at least 3.
    (dlib misses the fixture's weakly detected face in about a third of a talking photo's frames.)"""
    sync = json.load(open(output)).get("sync")
    if not sync:
        return "no \"sync\" in the report"
    if sync["frames"] != fixtures.FACE_CLIP_FRAMES:
        return "%s of the clip's %d frames compared" % (sync["frames"], fixtures.FACE_CLIP_FRAMES)
    if sync["score"]["frames"] < 3:
        return "a correlation over %s frames" % sync["score"]["frames"]
    return None


FOREIGN_WORDS = ["NSCocoaErrorDomain"]   # Foundation's words for a folder or a missing file, instead of ours


def face_cases():
    cases = []

    def add(case):
        if case.expect != OK:
            case.no_message_words += FOREIGN_WORDS
        cases.append(case)
    with_audio = {"--audio": "@face_speech"}

    add(Case("control/generate-into", "control", "generate-into", expect=OK))
    add(Case("control/eval-sync", "control", "eval-sync", expect=OK, check=sync_report_check))
    add(Case("control/eval-sync-audio", "control", "eval-sync", lambda P, fx: P.update(face_video=fx.face_silent),
             options=with_audio, expect=OK, check=sync_report_check))
    add(Case("control/synth-photo", "control", "synth-photo", expect=OK))

    blank_clip = lambda p, fx: shutil.copy(fx.blank_video, p)
    for name, mutate, expect, names in bad_inputs("face_video", ".mp4", blank_clip) + [
            ("truncated", bad_file("face_video", "face.mp4", truncated_copy("face_video")), REJECT, ["face.mp4"])]:
        add(Case("into-%s/generate-into" % name, "paste-back", "generate-into", mutate, expect=expect, names=names + ["--into"]))
        add(Case("sync-%s/eval-sync" % name, "sync", "eval-sync", mutate, expect=expect, names=names + ["--sync"]))
    add(Case("into-equals-out/generate-into", "paste-back", "generate-into", into_is_out))
    add(Case("into-with-no-video/generate-into", "paste-back", "generate-into", options={"@--no-video": ""},
             names=["--into", "--no-video"]))
    add(Case("into-silent-video/generate-into", "paste-back", "generate-into",
             lambda P, fx: P.update(face_video=fx.face_silent), expect=OK))
    add(Case("into-photo/generate-into", "paste-back", "generate-into", bad_file("face_video", "face.png", copied("face_photo")),
             expect=EITHER, names=["face.png", "--into"]))

    add(Case("sync-no-audio/eval-sync", "sync", "eval-sync", lambda P, fx: P.update(face_video=fx.face_silent),
             names=["face_silent.mp4", "audio", "sound"]))
    for name, fn, expect, nonfinite in [
            ("missing", None, REJECT, False),
            ("empty", lambda p: write(p, b""), REJECT, False),
            ("text", lambda p: write(p, "RIFF? no, just words\n" * 20), REJECT, False),
            ("folder", lambda p: os.makedirs(p), REJECT, False),
            ("nan", speech_with(float("nan")), REJECT, True),
            ("inf", speech_with(float("inf")), REJECT, True),
            ("silence", lambda p: media.write_wav_int16(p, [0.0] * 9600), REJECT, False)]:
        add(Case("sync-audio-%s/eval-sync" % name, "sync", "eval-sync", silent_with_audio(fn), options=with_audio,
                 expect=expect, names=["speech.wav"], nonfinite=nonfinite))
    add(Case("sync-audio-without-sync/eval", "sync", "eval", options={"--audio": "@speech"}, names=["--audio", "--sync"]))

    for name, mutate, expect, names in bad_inputs("face_photo", ".png", plain_png) + [
            ("truncated", bad_file("face_photo", "face.png", truncated_copy("face_photo")), REJECT, ["face.png"]),
            ("tiny", bad_file("face_photo", "tiny.png", lambda p, fx: plain_png(p, fx, size=4)), REJECT, ["tiny.png"]),
            ("video", bad_file("face_photo", "face.mp4", copied("face_video")), EITHER, ["face.mp4"])]:
        add(Case("photo-%s/synth-photo" % name, "photo", "synth-photo", mutate, expect=expect, names=names + ["--photo"]))
    return cases

# --- the catalogue -------------------------------------------------------------------------------

DATA_COMMANDS = ["dae-train", "dae-encode", "dae-reconstruct", "dae-erase", "s2l-train", "bundle", "clip", "eval",
                 "finetune", "probe"]


def all_cases():
    cases = []
    add = cases.append

    # valid controls: each command on the valid fixtures must succeed (else the suite itself is broken)
    for command in COMMANDS:
        add(Case("control/" + command, "control", command, expect=OK))

    # data sets
    for name, mutate, expect, names, nonfinite in META_MUTATIONS:
        for command in DATA_COMMANDS:
            if command == "eval" or (command == "s2l-train" and name.startswith(("meta-crop", "meta-size"))):
                continue  # eval reads the frames only; s2l train reads no pixels
            add(Case("%s/%s" % (name, command), "dataset-meta", command, mutate, expect=expect, names=names, nonfinite=nonfinite))
    for name, mutate, expect, names, nonfinite in FRAME_MUTATIONS:
        for command in DATA_COMMANDS:
            if command == "s2l-train":
                continue  # reads no pixels
            if name in ONE_FRAME_MUTATIONS and command not in READS_EVERY_FRAME:
                continue  # a bad frame 5 is never opened by a command that reads a few frames
            check = sixteen_bit_check if name == "frames-16bit" else None
            add(Case("%s/%s" % (name, command), "frames", command, mutate, expect=expect, names=names, check=check))
    audio_readers = ["s2l-train", "clip", "finetune"]
    for name, mutate, expect, names, nonfinite in audio_mutations("data", "audio.wav"):
        for command in audio_readers:
            add(Case("data-%s/%s" % (name, command), "audio", command, mutate, expect=expect, names=names, nonfinite=nonfinite))
    add(Case("data-audio-missing/s2l-train", "audio", "s2l-train",
             data_case(lambda r: os.remove(os.path.join(r, "audio.wav"))), names=["audio.wav"]))
    for name, mutate, expect, names, nonfinite in audio_mutations("speech", "speech.wav"):
        for command in ["generate", "s2l-predict"]:
            add(Case("%s/%s" % (name, command), "audio", command, mutate, expect=expect, names=names, nonfinite=nonfinite))
    for command in ["generate", "s2l-predict"]:
        add(Case("audio-missing/" + command, "audio", command,
                 lambda P, fx: P.update(speech=os.path.join(P["dir"], "nowhere.wav")), names=["nowhere.wav"]))

    pose_readers = ["dae-encode", "dae-erase", "s2l-train", "clip", "finetune"]
    for name, mutate, expect, names, nonfinite in pose_mutations("data", "pose.csv") + POSE_UNITS_MUTATIONS:
        for command in pose_readers:
            add(Case("data-%s/%s" % (name, command), "pose", command, mutate, expect=expect, names=names, nonfinite=nonfinite))
        # generate --pose-from DATA
        add(Case("data-%s/generate-pose-from" % name, "pose", "generate", mutate, expect=expect, names=names,
                 nonfinite=nonfinite, options={"--pose-from": "@data", "--pose-fit": "loop"}))
    for name, mutate, expect, names, nonfinite in pose_mutations("pose", "turn.csv"):
        add(Case("%s/generate" % name, "pose", "generate", mutate, expect=expect, names=names, nonfinite=nonfinite,
                 options={"--pose": "@pose"}))
        add(Case("%s/s2l-predict" % name, "pose", "s2l-predict", mutate, expect=expect, names=names, nonfinite=nonfinite,
                 options={"--pose": "@pose"}))
    add(Case("pose-degrees-flag-huge/generate", "pose", "generate",
             lambda P, fx: (P.update(pose=os.path.join(P["dir"], "turn.csv")), write(P["pose"], pose_rows(50, (5, "1e30")))),
             options={"--pose": "@pose", "@--pose-degrees": ""}, names=["turn.csv", "yaw"]))

    # DAE checkpoints: as a run folder's dae.h5 for the DAE commands, as a bundle's dae.h5 for generate
    dae_readers = ["dae-encode", "dae-decode", "dae-reconstruct", "dae-erase", "bundle", "probe"]
    for name, mutate, expect, nonfinite in file_mutations("dae", run_file("dae", "dae.h5")):
        for command in dae_readers:
            add(Case("%s/%s" % (name, command), "weights", command, mutate, expect=expect, names=["dae.h5"], nonfinite=nonfinite))
        add(Case("%s/dae-train-initial" % name, "weights", "dae-train", mutate, expect=expect, names=["dae.h5"],
                 nonfinite=nonfinite, options={"--initial": "@dae"}))
    for name, mutate, expect, nonfinite in file_mutations("bundle-dae", bundle_file("dae.h5")):
        for command in ["generate", "finetune"]:
            add(Case("%s/%s" % (name, command), "weights", command, mutate, expect=expect, names=["dae.h5"], nonfinite=nonfinite))
    for name, mutate, names in config_mutations(run_file("dae", "dae.h5")):
        for command in ["dae-encode", "dae-decode", "bundle", "probe"]:
            add(Case("dae-%s/%s" % (name, command), "config", command, mutate, names=names + ["dae.h5"]))
    for name, mutate, names in config_mutations(bundle_file("dae.h5")):
        add(Case("bundle-%s/generate" % name, "config", "generate", mutate, names=names + ["dae.h5"]))
    for name, mutate, names in s2l_config_mutations(run_file("s2l", "s2l.h5")):
        for command in ["s2l-predict", "bundle"]:
            add(Case("%s/%s" % (name, command), "config", command, mutate, names=names + ["s2l.h5"]))
    for name, mutate, names in s2l_config_mutations(bundle_file("s2l.h5")):
        add(Case("bundle-%s/generate" % name, "config", "generate", mutate, names=names + ["s2l.h5"]))
    for name, mutate, expect, nonfinite in file_mutations("s2l", run_file("s2l", "s2l.h5")):
        for command in ["s2l-predict", "bundle"]:
            add(Case("%s/%s" % (name, command), "weights", command, mutate, expect=expect, names=["s2l.h5"], nonfinite=nonfinite))
    for name, mutate, expect, nonfinite in file_mutations("bundle-s2l", bundle_file("s2l.h5")):
        add(Case("%s/generate" % name, "weights", "generate", mutate, expect=expect, names=["s2l.h5"], nonfinite=nonfinite))
    # (finetune inverts its own reference frame and never opens the base's reference.h5)
    for name, mutate, expect, nonfinite in file_mutations("reference", bundle_file("reference.h5")):
        for command in ["generate"]:
            add(Case("%s/%s" % (name, command), "weights", command, mutate, expect=expect, names=["reference.h5"],
                     nonfinite=nonfinite))
    add(Case("reference-missing/generate", "weights", "generate",
             lambda P, fx: os.remove(bundle_file("reference.h5")(P, fx)), names=["reference.h5"]))

    # latents
    for name, mutate, expect, nonfinite in file_mutations("latents", single_file("latents")):
        for command in ["s2l-train", "bundle"]:
            add(Case("%s/%s" % (name, command), "latents", command, mutate, expect=expect, names=["latents.h5"],
                     nonfinite=nonfinite))
    for name, mutate, expect, nonfinite in file_mutations("latents-xT", single_file("latents_xt")):
        add(Case("%s/dae-decode" % name, "latents", "dae-decode", mutate, expect=expect, names=["latents_xt.h5"],
                 nonfinite=nonfinite, options={"--noise": "encoded"}))
    for command in ["s2l-train", "bundle"]:
        add(Case("latents-other-data-set/" + command, "latents", command, lambda P, fx: P.update(latents=fx.latents_xt),
                 names=["latents_xt.h5", "frames", "rows"]))

    # bundles
    # (finetune --until dae needs only the base's dae.h5, so the meta.json cases run against generate)
    for name, mutate, names, nonfinite in BUNDLE_META_MUTATIONS:
        for command in ["generate"]:
            add(Case("%s/%s" % (name, command), "bundle-meta", command, mutate, names=names, nonfinite=nonfinite))

    # safetensors
    for name, mutate, names, nonfinite in SAFETENSORS_MUTATIONS:
        add(Case(name + "/weights-import", "safetensors", "weights-import", mutate,
                 names=names + ["import.safetensors"], nonfinite=nonfinite))
    add(Case("st-preset-unknown/weights-import", "safetensors", "weights-import", options={"--preset": "giant"},
             names=["--preset", "giant"]))

    # output paths
    for command in COMMANDS:
        if command != "synth":
            add(Case("out-equals-input/" + command, "out-path", command, out_equals_input(command)))
            add(Case("out-inside-input/" + command, "out-path", command, out_inside_input(command)))
        if command in ["dae-encode", "dae-decode", "dae-reconstruct", "bundle", "probe", "s2l-train", "eval"]:
            add(Case("out-at-model/" + command, "out-path", command, out_model_input(command)))
        add(Case("out-is-file/" + command, "out-path", command, out_is_file))
        add(Case("out-foreign-folder/" + command, "out-path", command, out_foreign_folder, expect=EITHER))
        add(Case("out-readonly/" + command, "out-path", command, out_readonly, no_message_words=["Error Domain="]))
        add(Case("out-proc/" + command, "out-path", command, out_proc, no_message_words=["Error Domain="]))
        add(Case("out-missing-parent/" + command, "out-path", command, out_missing_parent, expect=EITHER,
                 no_message_words=["Error Domain="]))
        add(Case("out-empty/" + command, "out-path", command, out_empty))

    # numeric options
    for command, options in NUMERIC_OPTIONS.items():
        for option, kind in options:
            for value in BAD_VALUES[kind]:
                add(Case("option%s=%s/%s" % (option, value, command), "options", command, options={option: value},
                         names=option_names(option, value), no_message_words=["Missing value"],
                         nonfinite=value in ("nan", "inf")))
    for command in ["dae-encode", "dae-reconstruct"]:
        for frames in ["5:2", "0:100000", "-1:3", "a:b", "7:7"]:
            add(Case("option--frames=%s/%s" % (frames, command), "options", command, options={"--frames": frames},
                     names=["--frames", frames], no_message_words=["Missing value"]))
    for split in ["8,8", "8,8,8", "0,0,32", "-8,8,32", "a,b,c"]:
        for command in ["probe", "dae-erase"]:
            add(Case("option--split=%s/%s" % (split, command), "options", command, options={"--split": split},
                     names=["--split", split, "z_sem", "32"], no_message_words=["Missing value"]))

    cases += face_cases()
    cases += stream_cases()

    # special cases: odd but common mistakes
    add(Case("synth-into-existing-set/synth", "special", "synth", synth_into_existing, expect=EITHER, check=synth_consistent))
    add(Case("dae-train-resume-truncated-checkpoint/dae-train", "special", "dae-train", resume_truncated,
             options={"@--resume": ""}, names=["checkpoint"]))
    add(Case("eval-16bit-pred/eval", "special", "eval", eval_16bit_pred, expect=OK, check=eval_perfect))
    add(Case("generate-pose-fit-error/generate", "special", "generate",
             lambda P, fx: (P.update(pose=os.path.join(P["dir"], "turn.csv")), write(P["pose"], pose_rows(20))),
             options={"--pose": "@pose"}, names=["turn.csv", "--pose-fit"]))

    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases

def stream_cases():
    """generate --stream: flags that do not go with it, bad raw PCM settings, standard input that
    is not speech."""
    cases = []
    add = cases.append
    add(Case("control/generate-stream", "control", "generate-stream", expect=OK))

    def stdin(data):
        def mutate(P, fx):
            P["stdin"] = os.path.join(P["dir"], "stdin.bin")
            write(P["stdin"], data(P, fx) if callable(data) else data)
            P["speech"] = "-"
        return mutate
    wav = lambda P, fx: open(fx.speech, "rb").read()
    add(Case("stream-stdin-wav/generate-stream", "stream", "generate-stream", stdin(wav), expect=OK))
    add(Case("stream-stdin-raw/generate-stream", "stream", "generate-stream", stdin(lambda P, fx: wav(P, fx)[44:]),
             options={"--raw-rate": "16000"}, expect=OK))
    add(Case("stream-stdin-not-wav/generate-stream", "stream", "generate-stream", stdin(b"fLaC" + bytes(4000)), names=["WAV"]))
    add(Case("stream-stdin-text/generate-stream", "stream", "generate-stream", stdin("hello, this is not audio\n" * 50),
             names=["WAV"]))
    add(Case("stream-stdin-empty/generate-stream", "stream", "generate-stream", stdin(b""), names=["standard input"]))
    add(Case("stream-stdin-cut-header/generate-stream", "stream", "generate-stream", stdin(lambda P, fx: wav(P, fx)[:30]),
             names=["WAV header"]))
    add(Case("stream-stdin-odd-raw/generate-stream", "stream", "generate-stream", stdin(bytes(3)),
             options={"--raw-rate": "16000"}, names=["standard input", "too short"]))
    add(Case("stream-missing-file/generate-stream", "stream", "generate-stream",
             lambda P, fx: P.update(speech=os.path.join(P["dir"], "missing.wav")), names=["missing.wav"]))
    for option, value in [("--into", "me.mp4"), ("--pose", "turn.csv"), ("--pose-from", "data"), ("--audio-encoder", "w2v")]:
        add(Case("stream-with%s/generate-stream" % option, "stream", "generate-stream", options={option: value},
                 names=[option, "--stream"]))
    add(Case("stream-with--no-video/generate-stream", "stream", "generate-stream", options={"@--no-video": ""},
             names=["--no-video"]))
    add(Case("stream-out-folder/generate-stream", "stream", "generate-stream",
             lambda P, fx: P.update(argv=lambda a: [P["out"] if x == P["out"] + ".mp4" else x for x in a]), names=["--out"]))
    for value in ["0", "-16000", "999", "abc", "nan", "1e9"]:
        add(Case("stream-raw-rate=%s/generate-stream" % value, "stream", "generate-stream", options={"--raw-rate": value},
                 names=["--raw-rate"]))
    for option, value in [("--raw-format", "s17le"), ("--raw-channels", "0"), ("--lookahead", "-1"), ("--lookahead", "nan"),
                          ("--hop", "0"), ("--hop", "inf"), ("--idle-seconds", "-2")]:
        extra = {"--raw-rate": "16000"} if option.startswith("--raw") else {}
        add(Case("stream%s=%s/generate-stream" % (option, value), "stream", "generate-stream", options=dict(extra, **{option: value}),
                 names=[option]))
    add(Case("stream-raw-format-without-rate/generate-stream", "stream", "generate-stream", options={"--raw-format": "f32le"},
             names=["--raw-rate"]))
    # without --stream: standard input and the live flags are refused
    add(Case("stdin-without-stream/generate", "stream", "generate", lambda P, fx: P.update(speech="-"), names=["--stream"]))
    add(Case("raw-rate-without-stream/generate", "stream", "generate", options={"--raw-rate": "16000"}, names=["--stream"]))
    return cases


def option_names(option, value):
    """An error about a bad option value may name the option (as typed or in words) or quote the
    value, when the value is distinctive enough not to turn up by chance (not 0, 1, nan …)."""
    names = [option, option.lstrip("-").replace("-", " ")]
    if len(value) >= 4 and value not in ("-1.0",):
        names.append(value)
    return names

# --- special cases and their checks ---------------------------------------------------------------

def synth_into_existing(P, fx):
    """A longer synthetic set already in --out: the new, shorter one must not keep its extra frames."""
    root = P["out"]
    os.makedirs(root)
    shutil.copytree(fx.data, os.path.join(root, "speaker_00"))


def synth_consistent(P, fx, output):
    folder = os.path.join(output, "speaker_00")
    meta = json.load(open(os.path.join(folder, "meta.json")))
    frames = [n for n in os.listdir(os.path.join(folder, "frames")) if n.endswith(".png")]
    if len(frames) != meta["frame_count"]:
        return "meta.json counts %d frames but frames/ holds %d" % (meta["frame_count"], len(frames))
    return None


def resume_truncated(P, fx):
    run = os.path.join(P["dir"], "run")
    shutil.copytree(fx.dae_run, run)
    truncate(os.path.join(run, "checkpoint.h5"), 0.4)
    P["inputs"].add(os.path.join(run, "checkpoint.h5"))
    set_out(P, run)


def eval_16bit_pred(P, fx):
    pred = os.path.join(P["dir"], "pred16")
    os.makedirs(pred)
    for name in os.listdir(fx.pred):
        media.png_as_16bit(os.path.join(fx.pred, name), os.path.join(pred, name))
    P["pred"] = pred


def eval_perfect(P, fx, output):
    """Identical pictures (8-bit truth, the same values at 16 bits): PSNR must be infinite or huge."""
    report = json.load(open(output))
    flat = json.dumps(report)
    psnr = None
    for key in ("psnr", "PSNR", "psnr_db"):
        if key in report:
            psnr = report[key]
    if psnr is None:
        for k, v in report.items():
            if isinstance(v, dict):
                for key in ("psnr", "PSNR"):
                    if key in v:
                        psnr = v[key]
    if isinstance(psnr, dict):
        psnr = psnr.get("mean", psnr)
    if psnr is None:
        return "no PSNR in the report: " + flat[:200]
    if psnr is not None and isinstance(psnr, (int, float)) and psnr < 40:
        return "16-bit frames read wrong: PSNR %.1f dB against the same pictures at 8 bits" % psnr
    return None


def sixteen_bit_check(P, fx, output):
    """16-bit frames must read as the same pictures: eval's PSNR against the 8-bit truth stays perfect."""
    if os.path.basename(output).endswith(".json"):
        return eval_perfect(P, fx, output)
    return None
