#!/usr/bin/env python3
"""Fuzz suite for the `talkingface` CLI: bad inputs of every kind against every command.

A case passes when the command exits non-zero with a message that names the bad input (a file,
key, row or option), or succeeds with sound output. No case may crash (a signal or an exit code
≥ 128), hang (a per-case timeout), change its inputs (hashed before and after), leave files
behind (`.partial` files or half-written outputs), or accept NaN/Inf silently.

    python3 Tests/Fuzz/fuzz.py [--bin PATH] [--quick] [--jobs 2] [--filter TEXT] [--list] [--keep]

Standard library only. The valid fixtures are made first with the CLI under test."""

import argparse
import collections
import concurrent.futures
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases as catalogue    # noqa: E402
import commands              # noqa: E402
import fixtures              # noqa: E402
import media                 # noqa: E402

MEMORY_LIMIT_BYTES = 4 << 30       # a runaway allocation fails instead of taking the machine
OUTPUT_FILE_LIMIT_BYTES = 1 << 30  # and so does a runaway file (SIGXFSZ)
LOG_TAIL_BYTES = 64 << 10          # the end of a command's output is what the checks read
LOG_LINE = re.compile(r"^\S+\s+(trace|debug|info|notice)\s")
CRASH_WORDS = ("Fatal error:", "Program crashed", "*** Signal ", "Segmentation fault", "Illegal instruction", "Stack dump:", "Current stack trace")
RAW_ERROR_WORDS = ("Error Domain=",)

# failure kinds, in the order the totals list them
CRASH, HANG, INPUT_CHANGED, LEFTOVER, NONFINITE = "crash", "hang", "input changed", "files left behind", "non-finite accepted"
ACCEPTED, UNNAMED, RAW, BAD_OUTPUT, HARNESS = "bad input accepted", "message does not name the input", \
    "unhelpful message", "bad output", "harness error"
COUNTED = [CRASH, HANG, INPUT_CHANGED, LEFTOVER, NONFINITE]


def tree_hash(path):
    """Hash of a file, or of a folder's names and contents (so added and removed files count)."""
    h = hashlib.sha1()
    if os.path.isfile(path):
        hash_file(h, path)
    elif os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            if root == path and os.path.isfile(os.path.join(path, "meta.json")):
                # a data set's cache/ (s2l train's speech features) is the tool's own, rebuilt at will
                dirs[:] = [d for d in dirs if d != "cache"]
            dirs.sort()
            for name in sorted(files) + [d + "/" for d in dirs]:
                full = os.path.join(root, name.rstrip("/"))
                h.update(os.path.relpath(full, path).encode() + b"\0")
                if os.path.isfile(full) and not os.path.islink(full):
                    hash_file(h, full)
    else:
        h.update(b"<absent>")
    return h.hexdigest()


def hash_file(h, path):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def listing(path):
    out = set()
    for root, dirs, files in os.walk(path):
        for name in files + dirs:
            out.add(os.path.relpath(os.path.join(root, name), path))
    return out


def partial_files(folder):
    try:
        return {n for n in os.listdir(folder) if ".partial" in n}
    except OSError:
        return set()


def limit_resources():
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_FILE_LIMIT_BYTES, OUTPUT_FILE_LIMIT_BYTES))


def error_text(output):
    """What the command said, without its progress log lines."""
    lines = [l for l in output.splitlines() if not LOG_LINE.match(l) and "ETA" not in l]
    return "\n".join(lines)

# --- output checks (exit 0) ------------------------------------------------------------------------

def check_output(path):
    """Problems with what a successful command wrote: unreadable or uniform frames, NaN/Inf in JSON,
    CSV or HDF5, a data set whose meta.json miscounts its frames."""
    if not os.path.exists(path):
        return "no output at %s" % path
    files = [path] if os.path.isfile(path) else [os.path.join(r, f) for r, _, fs in os.walk(path) for f in fs]
    pngs = sorted(f for f in files if f.endswith(".png"))
    for f in pngs[:12] + pngs[-4:]:
        if os.path.getsize(f) > 4 << 20:
            return "%s is %d MB" % (os.path.relpath(f, path), os.path.getsize(f) >> 20)
        try:
            mean, std = media.png_stats(f)
        except Exception as e:  # noqa: BLE001
            return "unreadable PNG %s: %s" % (os.path.relpath(f, path), e)
        if std < 0.5 and "frames" in f:
            return "uniform frame %s (mean %.0f): NaN decoded?" % (os.path.relpath(f, path), mean)
    for f in files:
        name = os.path.basename(f)
        try:
            if name.endswith(".json"):
                bad = []
                json.load(open(f), parse_constant=lambda c: bad.append(c))
                if bad:
                    return "%s holds %s" % (os.path.relpath(f, path) or name, bad[0])
            elif name.endswith(".csv"):
                for i, line in enumerate(open(f)):
                    for cell in line.strip().split(","):
                        try:
                            v = float(cell)
                        except ValueError:
                            continue
                        if not math.isfinite(v):
                            return "%s row %d holds %s" % (name, i, cell)
            elif name.endswith(".h5"):
                if os.path.getsize(f) > 256 << 20:
                    return "%s is %d MB" % (name, os.path.getsize(f) >> 20)
                n = media.count_nonfinite_float32(open(f, "rb").read())
                if n:
                    return "%s holds %d NaN/Inf numbers" % (name, n)
        except (OSError, ValueError, UnicodeDecodeError) as e:
            return "unreadable %s: %s" % (name, e)
        if name == "meta.json" and os.path.isdir(os.path.join(os.path.dirname(f), "frames")):
            meta = json.load(open(f))
            count = len([n for n in os.listdir(os.path.join(os.path.dirname(f), "frames")) if n.endswith(".png")])
            if "frame_count" in meta and meta["frame_count"] != count:
                return "meta.json counts %s frames, frames/ holds %d" % (meta["frame_count"], count)
    return None

# --- one case --------------------------------------------------------------------------------------

class Result:
    def __init__(self, case):
        self.case = case
        self.problems = []       # (kind, detail)
        self.seconds = 0.0
        self.exit = None
        self.message = ""

    @property
    def passed(self):
        return not self.problems


def run_case(case, fx, binary, work, timeout, keep):
    try:
        return run_case_checked(case, fx, binary, work, timeout, keep)
    except Exception as e:  # noqa: BLE001
        result = Result(case)
        result.problems.append((HARNESS, repr(e)))
        return result


def run_case_checked(case, fx, binary, work, timeout, keep):
    result = Result(case)
    directory = os.path.join(work, "cases", re.sub(r"[^A-Za-z0-9._=-]+", "_", case.name))
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    try:
        args, P = case.prepare(directory, fx)
    except Exception as e:  # noqa: BLE001
        result.problems.append((HARNESS, "preparing: %r" % e))
        return result
    out = P.get("out_exact", commands.output_path(case.command, P))
    inputs = sorted(P["inputs"])
    before = {p: tree_hash(p) for p in inputs}
    watched = {os.path.dirname(p) for p in inputs if os.path.isfile(p)} | {os.path.dirname(p) for p in inputs}
    partial_before = {d: partial_files(d) for d in watched}
    files_before = listing(directory)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", "Zen"))
    start = time.time()
    log_path = os.path.join(work, "logs", os.path.basename(directory) + ".log")
    with open(log_path, "wb") as log:
        stdin = open(P["stdin"], "rb") if P.get("stdin") else subprocess.DEVNULL  # generate --stream --audio -
        proc = subprocess.Popen([binary] + args, cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                                stdin=stdin, env=env, preexec_fn=limit_resources)
        try:
            proc.wait(timeout=timeout)
            hung = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            hung = True
        if stdin is not subprocess.DEVNULL:
            stdin.close()
    result.seconds = time.time() - start
    result.exit = proc.returncode
    with open(log_path, "rb") as log:
        log.seek(max(0, os.path.getsize(log_path) - LOG_TAIL_BYTES))
        text = log.read().decode("utf-8", "replace")
    os.remove(log_path)
    result.message = error_text(text)
    if P.get("readonly"):
        subprocess.run(["chattr", "-i", P["readonly"]], stderr=subprocess.DEVNULL)
        os.chmod(P["readonly"], 0o755)

    def problem(kind, detail):
        result.problems.append((kind, detail))

    if hung:
        problem(HANG, "no exit after %d s" % timeout)
    elif proc.returncode < 0:
        problem(CRASH, "killed by %s" % signal.Signals(-proc.returncode).name)
    elif proc.returncode >= 128:
        problem(CRASH, "exit %d" % proc.returncode)
    elif any(w in text for w in CRASH_WORDS):
        problem(CRASH, "crash report in the output (exit %d)" % proc.returncode)

    for p in inputs:
        if tree_hash(p) != before[p]:
            problem(INPUT_CHANGED, os.path.relpath(p, work))
    for d in watched:
        new = partial_files(d) - partial_before[d]
        if new:
            problem(LEFTOVER, "%s in %s" % (", ".join(sorted(new)), os.path.relpath(d, work)))
    new_files = listing(directory) - files_before
    if proc.returncode != 0 or hung:
        left = sorted(f for f in new_files if "/" not in f)
        if left:
            problem(LEFTOVER, "after a failure: " + ", ".join(left))
    else:
        partials = sorted(f for f in new_files if ".partial" in f)
        if partials:
            problem(LEFTOVER, ", ".join(partials))

    if not hung and proc.returncode == 0:
        if case.expect == catalogue.REJECT:
            problem(NONFINITE if case.nonfinite else ACCEPTED, "exit 0")
        else:
            bad = check_output(out) or (case.check(P, fx, out) if case.check else None)
            if bad:
                problem(NONFINITE if case.nonfinite else BAD_OUTPUT, bad)
    elif not hung and 0 < proc.returncode < 128:
        if case.expect == catalogue.OK:
            problem(ACCEPTED if False else BAD_OUTPUT, "a valid case failed (exit %d): %s" % (proc.returncode, result.message[-300:]))
        else:
            lower = result.message.lower()
            names = [n for n in P["names"] if n]
            if names and not any(n.lower() in lower for n in names):
                problem(UNNAMED, "none of %s in: %s" % (names, one_line(result.message)))
            for word in list(RAW_ERROR_WORDS) + case.no_message_words:
                if word.lower() in lower:
                    problem(RAW, "%r in: %s" % (word, one_line(result.message)))
    if result.passed and keep != "all":
        shutil.rmtree(directory, ignore_errors=True)
    else:
        with open(os.path.join(directory, "command.txt"), "w") as f:
            f.write("talkingface %s\nexit %s\n\n%s" % (" ".join(args), proc.returncode, text))
    return result


def one_line(text, limit=220):
    text = " | ".join(l.strip() for l in text.strip().splitlines() if l.strip())
    return text if len(text) <= limit else text[:limit] + "…"

# --- selection and report ----------------------------------------------------------------------------

def quick_sample(cases, per_category=4, seed=19):
    """A stratified sample: a few cases of every category (always the first control)."""
    rng = random.Random(seed)
    by_category = collections.OrderedDict()
    for c in cases:
        by_category.setdefault(c.category, []).append(c)
    chosen = []
    for category, members in by_category.items():
        chosen += rng.sample(members, min(len(members), per_category))
    return chosen


def default_binary():
    if os.environ.get("TALKINGFACE_BIN"):
        return os.environ["TALKINGFACE_BIN"]
    return os.path.join(fixtures.REPO, ".build", "release", "talkingface")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=default_binary(), help="the talkingface binary (default: TALKINGFACE_BIN or .build/release)")
    parser.add_argument("--quick", action="store_true", help="a stratified sample of about 50 cases")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a case counts as hung (default 60)")
    parser.add_argument("--filter", default="", help="only cases whose name contains this")
    parser.add_argument("--category", default="", help="only cases of this category")
    parser.add_argument("--work", help="work folder (default: a new temporary folder, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep every case's folder (failed ones are kept with --work)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    options = parser.parse_args()

    # the runner itself stays small whatever a case writes (the commands get their own limit)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, hard))
    cases = catalogue.all_cases()
    if options.quick:
        cases = quick_sample(cases)
    if options.filter:
        cases = [c for c in cases if options.filter in c.name]
    if options.category:
        cases = [c for c in cases if c.category == options.category]
    if options.list:
        for c in cases:
            print("%-14s %-7s %s" % (c.category, c.expect, c.name))
        print("%d cases" % len(cases))
        return 0
    binary = os.path.abspath(options.bin)
    if not os.access(binary, os.X_OK):
        print("fuzz: no talkingface binary at %s (swift build -c release, or set TALKINGFACE_BIN)" % binary, file=sys.stderr)
        return 2
    work = os.path.abspath(options.work) if options.work else tempfile.mkdtemp(prefix="talkingface-fuzz-")
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)
    started = time.time()
    print("fuzz: %d cases against %s (fixtures in %s)" % (len(cases), binary, work), flush=True)
    fx = fixtures.build(binary, os.path.join(work, "fixtures"))
    fixture_hash = tree_hash(fx.root)

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(run_case, c, fx, binary, work, options.timeout, "all" if options.keep else "failed") for c in cases]
        for future in concurrent.futures.as_completed(futures):
            r = future.result()
            results.append(r)
            if len(results) % 100 == 0:
                print("fuzz: %d of %d cases done (%.0f s)" % (len(results), len(cases), time.time() - started), flush=True)
            if not r.passed:
                for kind, detail in r.problems:
                    print("FAIL %s [%s] %s (exit %s, %.1fs): %s" % (r.case.name, r.case.category, kind, r.exit, r.seconds,
                                                                   detail), flush=True)
    if tree_hash(fx.root) != fixture_hash:
        print("fuzz: warning: the shared fixtures changed during the run (a case wrote into them)")

    passed = sum(r.passed for r in results)
    kinds = collections.Counter(kind for r in results for kind in {k for k, _ in r.problems})
    slowest = sorted(results, key=lambda r: -r.seconds)[:5]
    print("slowest: " + ", ".join("%s %.1fs" % (r.case.name, r.seconds) for r in slowest))
    by_category = collections.Counter(r.case.category for r in results if not r.passed)
    if by_category:
        print("failed by category: " + ", ".join("%s %d" % kv for kv in sorted(by_category.items())))
    other = ", ".join("%s %d" % (k, kinds[k]) for k in (ACCEPTED, UNNAMED, RAW, BAD_OUTPUT, HARNESS) if kinds[k])
    print("fuzz: %d passed, %d failed (%d cases in %.0f s)" % (passed, len(results) - passed, len(results), time.time() - started))
    print("      %d crashes, %d hangs, %d inputs changed, %d files left behind, %d silent non-finite acceptances"
          % tuple(kinds[k] for k in COUNTED) + ("; " + other if other else ""))
    if not options.work and not options.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
