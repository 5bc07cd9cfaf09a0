"""Every `talkingface` command as the fuzz suite runs it: a valid command line over the fixtures
(cheap settings), which inputs it reads and what it writes. Cases mutate one input or option."""

import os

# P: the paths of one case (from the fixtures, or the case's mutated copies), with the keys
# data, dae, dae_run, latents, latents_xt, s2l, bundle, speech, pose, safetensors, pred, out.

COMMANDS = {
    # name: (argv builder, output kind, what it reads)
    "synth": (lambda P: ["synth", "--out", P["out"], "--speakers", "1", "--minutes", "0.02", "--size", "32", "--seed", "3"],
              "dataset-root", set()),
    "dae-train": (lambda P: ["dae", "train", "--data", P["data"], "--preset", "tiny", "--steps", "1", "--batch", "2",
                             "--out", P["out"]], "run", {"data", "frames", "meta"}),
    "dae-encode": (lambda P: ["dae", "encode", "--model", P["dae"], "--data", P["data"], "--out", P["out"] + ".h5",
                              "--steps", "2", "--refinements", "0"], "h5", {"data", "frames", "meta", "pose", "dae"}),
    "dae-decode": (lambda P: ["dae", "decode", "--model", P["dae"], "--latents", P["latents_xt"], "--out", P["out"],
                              "--steps", "2"], "frames", {"dae", "latents_xt"}),
    "dae-reconstruct": (lambda P: ["dae", "reconstruct", "--model", P["dae"], "--data", P["data"], "--frames", "0:4",
                                   "--out", P["out"], "--steps", "2", "--refinements", "0"],
                        "frames", {"data", "frames", "meta", "dae"}),
    "dae-erase": (lambda P: ["dae", "erase", "--model", P["dae"], "--data", P["data"], "--split", "8,8,16",
                             "--out", P["out"] + ".h5"], "h5", {"data", "frames", "meta", "pose", "dae"}),
    "s2l-train": (lambda P: ["s2l", "train", "--data", P["data"], "--latents", P["latents"], "--out", P["out"],
                             "--preset", "tiny", "--steps", "1", "--batch", "2"],
                  "run", {"data", "meta", "audio", "pose", "latents"}),
    "s2l-predict": (lambda P: ["s2l", "predict", "--model", P["s2l"], "--audio", P["speech"], "--out", P["out"] + ".h5"],
                    "h5", {"s2l", "speech"}),
    "bundle": (lambda P: ["bundle", "--dae", P["dae"], "--s2l", P["s2l"], "--data", P["data"], "--latents", P["latents"],
                          "--steps", "2", "--refinements", "0", "--float32", "--out", P["out"]],
               "bundle", {"data", "frames", "meta", "dae", "s2l", "latents"}),
    "generate": (lambda P: ["generate", "--audio", P["speech"], "--speaker", P["bundle"], "--out", P["out"],
                            "--no-video", "--steps", "2"], "generated", {"bundle", "speech"}),
    "clip": (lambda P: ["clip", "--data", P["data"], "--frames", "0:20", "--out", P["out"]],
             "dataset", {"data", "frames", "meta", "audio", "pose"}),
    "eval": (lambda P: ["eval", "--pred", P["pred"], "--truth", P["data"], "--json", P["out"] + ".json"],
             "json", {"data", "frames", "meta", "pred"}),
    "finetune": (lambda P: ["finetune", "--data", P["data"], "--base", P["bundle"], "--out", P["out"], "--dae-steps", "1",
                            "--s2l-steps", "1", "--batch", "2", "--until", "dae"],
                 "run", {"data", "frames", "meta", "audio", "pose", "bundle"}),
    "distill": (lambda P: ["distill", "--speaker", P["bundle"], "--data", P["data"], "--out", P["out"], "--steps", "1",
                           "--batch", "2", "--run", P["out"] + ".run"],
                "bundle", {"data", "frames", "meta", "audio", "bundle"}),
    "probe": (lambda P: ["probe", "--model", P["dae"], "--data", P["data"], "--split", "8,8,16", "--out", P["out"],
                         "--max-frames", "40", "--traversal-rows", "0", "--steps", "2"],
              "probe", {"data", "frames", "meta", "dae"}),
    "weights-import": (lambda P: ["weights", "import", P["safetensors"], "--out", P["out"] + ".h5"], "h5", {"safetensors"}),
}

# Commands over the real-face fixtures (face_photo, face_video, face_silent, face_speech, blank_video
# in P). They write through the same output code as synth, generate and eval, so the output-path
# cases, which loop over COMMANDS, are not repeated for them.
FACE_COMMANDS = {
    "generate-into": (lambda P: ["generate", "--audio", P["speech"], "--speaker", P["bundle"], "--out", P["out"],
                                 "--steps", "2", "--into", P["face_video"]], "generated", {"bundle", "speech", "face_video"}),
    "eval-sync": (lambda P: ["eval", "--sync", P["face_video"], "--json", P["out"] + ".json"], "json", {"face_video"}),
    "synth-photo": (lambda P: ["synth", "--photo", P["face_photo"], "--out", P["out"], "--speakers", "1",
                               "--minutes", "0.01", "--size", "64", "--seed", "3"], "dataset-root", {"face_photo"}),
}


# `generate --stream`: live speech in, a fragmented MP4 out. Its bad inputs are its own flags and
# the stream on standard input (a case's P["stdin"]), so the catalogue's other loops skip it.
STREAM_COMMANDS = {
    "generate-stream": (lambda P: ["generate", "--stream", "--audio", P["speech"], "--speaker", P["bundle"],
                                   "--out", P["out"] + ".mp4", "--steps", "2", "--idle-seconds", "0.2"],
                        "mp4", {"bundle", "speech"}),
}


def spec(command):
    return COMMANDS.get(command) or FACE_COMMANDS.get(command) or STREAM_COMMANDS[command]


# The path each command writes (the argv above appends the extension for file outputs).
FILE_OUTPUT_EXTENSION = {"h5": ".h5", "json": ".json", "mp4": ".mp4"}


def output_path(command, P):
    kind = spec(command)[1]
    return P["out"] + FILE_OUTPUT_EXTENSION.get(kind, "")


def argv(command, P, options=None):
    """The command line, with `options` ({"--steps": "-1", "--flag": None to drop it}) set.
    Values "@key" stand for the case's path P[key]; names "@--flag" add a flag without a value."""
    args = spec(command)[0](P)
    for name, value in (options or {}).items():
        if name.startswith("@"):
            args.append(name[1:])
            continue
        if isinstance(value, str) and value.startswith("@"):
            value = P[value[1:]]
        if name in args:
            i = args.index(name)
            if value is None:
                del args[i:i + 2]
            else:
                args[i + 1] = value
        elif value is not None:
            args += [name, value]
    return args


def reads(command, kind):
    return kind in spec(command)[2]


# Numeric options worth fuzzing per command: (option, kind). Research settings that live only in
# a recipe file (dae train's ema, held_out, warmup; finetune's reference_frame) are not options.
# Kinds: count (≥ 1), index (≥ 0), real (> 0, finite), fraction ([0, 1)), steps (DDIM steps: one
# samples t = 0 alone, so at least 2), train-steps (optimizer steps, ≥ 1).
NUMERIC_OPTIONS = {
    "synth": [("--speakers", "count"), ("--minutes", "real"), ("--size", "size"), ("--fps", "real"),
              ("--expression-gain", "gain"), ("--seed", "seed")],
    "dae-train": [("--steps", "train-steps"), ("--batch", "batch"), ("--lr", "real"), ("--seed", "seed"),
                  ("--checkpoint-every", "count"), ("--cache-mb", "index")],
    "dae-encode": [("--steps", "steps"), ("--refinements", "index"), ("--batch", "count"), ("--reference-frame", "frame")],
    "dae-decode": [("--steps", "steps"), ("--batch", "count"), ("--seed", "seed")],
    "dae-reconstruct": [("--steps", "steps"), ("--refinements", "index"), ("--reference-frame", "frame")],
    "dae-erase": [("--held-out", "fraction"), ("--stride", "count")],
    "s2l-train": [("--steps", "train-steps"), ("--batch", "count"), ("--lr", "real"), ("--seed", "seed"),
                  ("--checkpoint-every", "count")],
    "bundle": [("--steps", "steps"), ("--refinements", "index"), ("--reference-frame", "frame")],
    "generate": [("--steps", "steps"), ("--batch", "count"), ("--seed", "seed")],
    "finetune": [("--dae-steps", "train-steps"), ("--s2l-steps", "train-steps"), ("--batch", "batch"), ("--dae-lr", "real"),
                 ("--s2l-lr", "real"), ("--seed", "seed"), ("--checkpoint-every", "count")],
    "distill": [("--steps", "train-steps"), ("--batch", "batch"), ("--seed", "seed"), ("--checkpoint-every", "count")],
    "probe": [("--max-frames", "count"), ("--held-out", "fraction"), ("--traversal-rows", "index"),
              ("--traversal-steps", "count"), ("--steps", "steps")],
}

# Values that must be refused, per kind (each with the words a good message may use besides the option).
BAD_VALUES = {
    "count": ["-1", "0", "nan", "1e30", "abc"],
    "batch": ["-1", "0", "nan", "100000"],
    "index": ["-1", "nan", "abc"],
    "frame": ["-1", "100000", "nan"],
    "real": ["-1", "0", "nan", "inf"],
    "gain": ["-1", "nan", "inf"],
    "size": ["-1", "0", "1", "1000000", "nan"],
    "fraction": ["-0.1", "1", "1.5", "nan"],
    "steps": ["-1", "0", "1", "100000", "nan"],
    "train-steps": ["-1", "0", "nan"],
    "seed": ["-1", "nan"],
}
