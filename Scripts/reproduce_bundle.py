#!/usr/bin/env python3
"""Reproduce a speaker bundle from its recipe.json: the talkingface commands, in order.

    python3 Scripts/reproduce_bundle.py Weights/default/recipe.json --out runs/default
    python3 Scripts/reproduce_bundle.py RECIPE --out OUT --dry-run        # print the commands only
    python3 Scripts/reproduce_bundle.py RECIPE --out OUT --scale 0.001 --minutes 0.2 --speakers 1
                                                                          # a quick smoke run
(`make speaker RECIPE=… OUT=…` runs it with the release build.)

A bundle recipe holds:
    data    {"synth": {synth's flags: speakers, minutes, size, seed, …}, "speaker": "speaker_00"}
    dae     the DAE stages in order: {"stage": name, "steps": N, "seed": S,
            "from_previous": null | "ema" | "raw" (the previous stage's dae.h5 or its
            checkpoint.h5 start this one), "recipe": {a `dae train --recipe`}}
    s2l     {"steps": N, "seed": S, "recipe": {an `s2l train --recipe`}}, or {"model": FILE}
            to pack an s2l.h5 that exists instead of training one
    bundle  {"steps": DDIM steps, "refinements": K, "reference_frame": F or null (the most typical)}
    distill (optional) {"steps": N per round, "seed": S, "recipe": {a `distill --recipe`}}: the
            one-step student, in OUT/student (the bundle plus student.h5)

Into OUT: data/ (synth), dae/NN_STAGE/ (dae train runs), latents.h5 (dae encode of the last
stage), s2l/ (s2l train), speaker/ (bundle, with a copy of the recipe as recipe.json) and
student/ (distill, when the recipe has that stage; its run in student.run/) and recipes/ (each
stage's recipe file, as passed to --recipe). Each command is printed before it
runs. Rerunning skips what is done and resumes an interrupted training. Paths in the recipe
are read from the current folder (run it from the repository's root).
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys


def scaled(steps, scale):
    return max(1, round(steps * scale))


def last_logged_step(run):
    """The last step in RUN/loss.csv, 0 when there is none."""
    try:
        with open(os.path.join(run, "loss.csv")) as log:
            rows = [line.split(",")[0] for line in log.read().splitlines()[1:] if line.strip()]
        return int(rows[-1]) if rows else 0
    except (OSError, ValueError):
        return 0


class Reproduction:
    def __init__(self, recipe_path, args):
        with open(recipe_path) as f:
            self.recipe = json.load(f)
        self.recipe_path = recipe_path
        self.args = args
        self.out = args.out
        self.tool = args.tool

    def run(self, command):
        print("$ " + shlex.join(str(part) for part in command), flush=True)
        if not self.args.dry_run:
            subprocess.run([str(part) for part in command], check=True)

    def scaled_recipe(self, recipe, steps):
        """A copy of a stage's recipe with its warm-up scaled as its steps are (at most steps)."""
        recipe = dict(recipe)
        if "warmup" in recipe:
            recipe["warmup"] = min(steps, round(recipe["warmup"] * self.args.scale))
        return recipe

    def copy_recipe(self, folder):
        """The bundle recipe beside the bundle it made, as recipe.json."""
        print(f"$ cp {shlex.quote(self.recipe_path)} {shlex.quote(os.path.join(folder, 'recipe.json'))}", flush=True)
        if not self.args.dry_run:
            shutil.copyfile(self.recipe_path, os.path.join(folder, "recipe.json"))

    def write_recipe(self, name, recipe):
        path = os.path.join(self.out, "recipes", name + ".json")
        if not self.args.dry_run:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                json.dump(recipe, f, indent=2, sort_keys=True)
                f.write("\n")
        return path

    def data(self):
        synth = dict(self.recipe["data"]["synth"])
        if self.args.speakers is not None:
            synth["speakers"] = self.args.speakers
        if self.args.minutes is not None:
            synth["minutes"] = self.args.minutes
        folder = os.path.join(self.out, "data")
        speaker = os.path.join(folder, self.recipe["data"]["speaker"])
        if os.path.exists(os.path.join(speaker, "meta.json")):
            print(f"# data: {speaker} is there")
        else:
            command = [self.tool, "synth", "--out", folder]
            for key, value in synth.items():
                command += ["--" + key.replace("_", "-"), value]
            self.run(command)
        return speaker

    def dae(self, speaker):
        previous = None
        for index, stage in enumerate(self.recipe["dae"], start=1):
            name = f"{index:02d}_{stage['stage']}"
            run = os.path.join(self.out, "dae", name)
            steps = scaled(stage["steps"], self.args.scale)
            recipe = self.scaled_recipe(stage["recipe"], steps)
            if last_logged_step(run) >= steps:
                print(f"# dae {name}: trained to step {steps} ({run})")
            elif os.path.exists(os.path.join(run, "checkpoint.h5")):
                self.run([self.tool, "dae", "train", "--out", run, "--resume", "--steps", steps])
            else:
                command = [self.tool, "dae", "train", "--data", speaker, "--out", run,
                           "--recipe", self.write_recipe("dae_" + name, recipe), "--steps", steps, "--seed", stage["seed"]]
                start = stage.get("from_previous")
                if start:
                    if previous is None:
                        sys.exit(f"{self.recipe_path}: dae stage {stage['stage']} starts from the previous stage's weights, but it is the first")
                    command += ["--initial", os.path.join(previous, {"ema": "dae.h5", "raw": "checkpoint.h5"}[start])]
                self.run(command)
            previous = run
        return os.path.join(previous, "dae.h5")

    def encode(self, dae, speaker):
        latents = os.path.join(self.out, "latents.h5")
        if os.path.exists(latents):
            print(f"# encode: {latents} is there")
        else:
            self.run([self.tool, "dae", "encode", "--model", dae, "--data", speaker, "--out", latents])
        return latents

    def s2l(self, speaker, latents):
        s2l = self.recipe["s2l"]
        if "model" in s2l:
            return s2l["model"]
        run = os.path.join(self.out, "s2l")
        model = os.path.join(run, "s2l.h5")
        if os.path.exists(os.path.join(run, "eval.json")):
            print(f"# s2l: trained ({run})")
            return model
        command = [self.tool, "s2l", "train", "--data", speaker, "--latents", latents, "--out", run,
                   "--recipe", self.write_recipe("s2l", s2l["recipe"]),
                   "--steps", scaled(s2l["steps"], self.args.scale), "--seed", s2l["seed"]]
        if os.path.exists(model):
            command.append("--resume")
        self.run(command)
        return model

    def bundle(self, dae, s2l, speaker, latents):
        bundle = self.recipe["bundle"]
        folder = os.path.join(self.out, "speaker")
        if os.path.exists(os.path.join(folder, "meta.json")):
            print(f"# bundle: {folder} is there")
        else:
            command = [self.tool, "bundle", "--dae", dae, "--s2l", s2l, "--data", speaker, "--latents", latents,
                       "--steps", bundle["steps"], "--refinements", bundle["refinements"],
                       "--name", self.recipe.get("name", "speaker"), "--made-by", "recipe=recipe.json", "--out", folder]
            frame = bundle.get("reference_frame")
            if frame is not None and self.args.minutes is None:
                command += ["--reference-frame", frame]
            elif frame is not None:
                print(f"# bundle: --minutes changes the data, so the most typical frame stands in for frame {frame}")
            self.run(command)
        self.copy_recipe(folder)
        return folder

    def distill(self, teacher, speaker):
        distill = self.recipe.get("distill")
        if distill is None:
            return teacher
        folder = os.path.join(self.out, "student")
        run = folder + ".run"
        steps = scaled(distill["steps"], self.args.scale)
        if os.path.exists(os.path.join(folder, "meta.json")):
            print(f"# distill: {folder} is there")
        elif os.path.exists(os.path.join(run, "distill.json")):
            self.run([self.tool, "distill", "--out", folder, "--run", run, "--resume"])
        else:
            recipe = self.scaled_recipe(distill["recipe"], steps)
            self.run([self.tool, "distill", "--speaker", teacher, "--data", speaker, "--out", folder, "--run", run,
                      "--recipe", self.write_recipe("distill", recipe), "--steps", steps, "--seed", distill["seed"]])
        self.copy_recipe(folder)
        return folder

    def all(self):
        speaker = self.data()
        dae = self.dae(speaker)
        latents = self.encode(dae, speaker)
        s2l = self.s2l(speaker, latents)
        folder = self.distill(self.bundle(dae, s2l, speaker, latents), speaker)
        print(f"# the speaker bundle: {folder}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipe", help="a bundle recipe (e.g. Weights/default/recipe.json)")
    parser.add_argument("--out", required=True, help="the folder to make everything in")
    parser.add_argument("--tool", default=os.environ.get("TALKINGFACE", ".build/release/talkingface"),
                        help="the talkingface binary (default: $TALKINGFACE, else .build/release/talkingface)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands without running them")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every step count (and warm-up) by this")
    parser.add_argument("--minutes", type=float, help="synthesize this many minutes per speaker instead of the recipe's")
    parser.add_argument("--speakers", type=int, help="synthesize this many speakers instead of the recipe's")
    args = parser.parse_args()
    if not args.scale > 0:
        parser.error("--scale must be positive")
    try:
        Reproduction(args.recipe, args).all()
    except subprocess.CalledProcessError as error:
        sys.exit(f"stopped: {shlex.join(map(str, error.cmd))} exited with status {error.returncode}; rerun to continue")
    except KeyboardInterrupt:
        sys.exit("interrupted; rerun the same command to continue")


if __name__ == "__main__":
    main()
