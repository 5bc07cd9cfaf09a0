#!/usr/bin/env python3
"""Merges the Swift and PyTorch timings of Benchmarks/run.sh into results.json and a table.

    python3 Benchmarks/report.py WORKDIR Benchmarks/results.json

Workloads measured now replace their rows of the same CPU model; rows of workloads not run this
time (BENCH_ONLY) or measured on another CPU stay, each with the date it was measured and the CPU
(Swift and PyTorch always come from one run).
"""
import datetime
import glob
import json
import os
import sys



def cpu_model():
    """This machine's CPU model name, and its OpenBLAS kernel choice (the Makefile's default Zen)."""
    name = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    return name, os.environ.get("OPENBLAS_CORETYPE", "auto")


workdir, out = sys.argv[1], sys.argv[2]
cpu, coretype = cpu_model()
rows, peak = [], []
for path in sorted(glob.glob(os.path.join(workdir, "swift_*.json"))):
    name = os.path.basename(path)[len("swift_"):-len(".json")]
    swift = json.load(open(path))
    torch = json.load(open(os.path.join(workdir, f"torch_{name}.json")))
    peak.append(swift["sgemm_gflops"])
    s, t = swift[name]["seconds"], torch[name]
    row = {"workload": name, "swift_s": round(s, 5), "pytorch_s": round(t, 5), "ratio": round(s / t, 3),
           "swift_gflops": round(swift[name]["gflop"] / s, 1), "sgemm_peak_gflops": round(swift["sgemm_gflops"], 1)}
    if "frames" in swift[name]:  # decodes: images per second
        n = swift[name]["frames"]
        row["note"] = f"{n / s:.2f} frames/s swift, {n / t:.2f} frames/s torch"
    row["measured"] = datetime.date.today().isoformat()
    row["cpu"], row["openblas_coretype"] = cpu, coretype
    rows.append(row)
measured = {(r["workload"], r["cpu"]) for r in rows}
kept = json.load(open(out)) if os.path.exists(out) else []
# Rows from before the CPU was recorded were all measured on this project's AMD EPYC.
everything = sorted(rows + [r for r in kept if (r["workload"], r.get("cpu", "AMD EPYC")) not in measured],
                    key=lambda r: (r["workload"], r.get("cpu", "")))
json.dump(everything, open(out, "w"), indent=2)
print(f"{'workload':34} {'swift s':>9} {'torch s':>9} {'ratio':>6} {'GFLOP/s':>8} {'% peak':>7}")
for r in rows:
    print(f"{r['workload']:34} {r['swift_s']:9.4f} {r['pytorch_s']:9.4f} {r['ratio']:6.2f} "
          f"{r['swift_gflops']:8.1f} {100 * r['swift_gflops'] / r['sgemm_peak_gflops']:6.0f}%"
          + (f"  ({r['note']})" if "note" in r else ""))
print(f"(sgemm peak measured in this run: {max(peak):.0f} GFLOP/s on 2 threads; ratio = swift / torch; "
      f"CPU {cpu}, OPENBLAS_CORETYPE {coretype})")
