#!/usr/bin/python3
"""Summarizes a device-check run (tools/device-check/run.sh): reads the step records, the JUnit XML
reports, jmae bench's tables, torch_bench.py's JSON and JMH's JSON from the work folder, and writes
summary.json and summary.md to the output folder. Standard library only (runs under any python3)."""
import argparse
import glob
import json
import os
import re
import xml.etree.ElementTree as ET

BENCH_ROW = re.compile(r"^(\S+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")
GEMM_SHAPES = {"qkv": (3200, 768, 2304), "mlp": (3200, 768, 3072), "square": (1024, 1024, 1024)}
ORDER = ["unpack", "inventory", "cuda-smoke", "cuda-parity", "opencl-parity", "cuda-golden", "cuda-training",
         "jmae-bench-high", "torch-bench", "jmae-bench-highest", "jmh"]


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def steps(work):
    out = []
    for f in glob.glob(os.path.join(work, "records", "*")):
        parts = read(f).rstrip("\n").split("\t")
        if len(parts) >= 5:
            out.append({"step": parts[0], "status": parts[1], "seconds": float(parts[2] or 0),
                        "limit_s": int(float(parts[3] or 0)), "note": parts[4]})
    out.sort(key=lambda s: ORDER.index(s["step"]) if s["step"] in ORDER else len(ORDER))
    return out


def junit(work, name):
    """Counts and the first failures of one step's JUnit XML reports, or None without reports."""
    files = glob.glob(os.path.join(work, "junit", name, "*.xml"))
    if not files:
        return None
    r = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "failed": []}
    for f in files:
        try:
            root = ET.parse(f).getroot()
        except ET.ParseError:
            continue
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        for s in suites:
            for k in ("tests", "failures", "errors", "skipped"):
                r[k] += int(s.get(k, 0))
            for case in s.iter("testcase"):
                bad = case.find("failure")
                if bad is None:
                    bad = case.find("error")
                if bad is not None and len(r["failed"]) < 25:
                    msg = (bad.get("message") or bad.text or "").strip().split("\n")[0][:400]
                    r["failed"].append({"test": (case.get("classname", "") + " " + case.get("name", "")).strip(),
                                        "message": msg})
    r["passed"] = r["tests"] - r["failures"] - r["errors"] - r["skipped"]
    return r


def model_name(config):
    if config.endswith("g025.json"):
        return "CrossMAE gamma 0.25"
    if config.startswith("crossmae"):
        return "CrossMAE gamma 0.75"
    if config.startswith("mae"):
        return "MAE"
    return config


def jmae_bench(work, precision):
    rows = []
    for line in read(os.path.join(work, "logs", "jmae-bench-%s.log" % precision)).splitlines():
        m = BENCH_ROW.match(line.strip())
        if m:
            rows.append({"model": model_name(os.path.basename(m.group(1))), "precision": precision,
                         "params": int(m.group(2).replace(",", "")), "images_per_s": float(m.group(3)),
                         "ms_per_step": float(m.group(4)), "peak_mb": float(m.group(5))})
    return rows


def jmh(work):
    try:
        data = json.loads(read(os.path.join(work, "jmh.json"), "[]") or "[]")
    except ValueError:
        return []
    out = []
    for b in data:
        name = b.get("benchmark", "").split(".")[-2:]
        p = b.get("params", {}) or {}
        score = b.get("primaryMetric", {}).get("score")
        r = {"benchmark": ".".join(name), "params": p, "ms": score}
        if name and name[0] == "MatmulBench" and p.get("shape") in GEMM_SHAPES and score:
            m, k, n = GEMM_SHAPES[p["shape"]]
            r["tflops"] = 2.0 * m * n * k / (score * 1e-3) / 1e12
        out.append(r)
    return out


def fmt(x, digits=1):
    return "-" if x is None else ("%.*f" % (digits, x))


def ratio(a, b):
    return None if not a or not b else a / b


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", required=True)
    p.add_argument("--elapsed", type=int, required=True)
    p.add_argument("--cuda-reason", default="")
    p.add_argument("--opencl-note", default="")
    a = p.parse_args()
    w = a.work
    st = steps(w)
    for s in st:
        j = junit(w, s["step"])
        if j is not None:
            s["junit"] = j
            if s["status"] == "pass" and j["tests"] == j["skipped"]:
                s["status"] = "fail"
                s["note"] += "; every test was skipped"
    inv = read(os.path.join(w, "inventory.txt"))
    gpu = re.search(r"^name, memory.total.*\n(.*)$", inv, re.M)
    torch = {}
    try:
        torch = json.loads(read(os.path.join(w, "torch.json"), "{}") or "{}")
    except ValueError:
        pass
    bench = jmae_bench(w, "highest") + jmae_bench(w, "high")
    marks = jmh(w)
    summary = {"mode": a.mode, "elapsed_s": a.elapsed, "gpu": gpu.group(1).strip() if gpu else None,
               "cuda_unavailable": a.cuda_reason or None, "opencl": a.opencl_note, "steps": st,
               "jmae_bench": bench, "torch": torch, "jmh": marks}

    md = ["# jmae device check (%s mode)" % a.mode, ""]
    md.append("Finished in %d s. GPU: %s." % (a.elapsed, summary["gpu"] or "none found (nvidia-smi)"))
    if a.cuda_reason:
        md.append("CUDA: unavailable: %s" % a.cuda_reason)
    md.append("OpenCL: %s" % (a.opencl_note or "-"))
    md += ["", "## Steps", "", "| step | status | seconds | limit | tests (pass/fail/error/skip) | note |",
           "|---|---|---|---|---|---|"]
    for s in st:
        j = s.get("junit")
        t = "%d/%d/%d/%d" % (j["passed"], j["failures"], j["errors"], j["skipped"]) if j else ""
        md.append("| %s | %s | %s | %s | %s | %s |" % (s["step"], s["status"], fmt(s["seconds"]), s["limit_s"] or "",
                                                      t, s["note"].replace("|", "/")[:200]))
    fails = [(s["step"], f) for s in st for f in (s.get("junit") or {}).get("failed", [])]
    if fails:
        md += ["", "## First failures", ""]
        for step, f in fails[:30]:
            md.append("- %s: `%s`: %s" % (step, f["test"], f["message"].replace("|", "/")))

    md += ["", "## Training step (images/s)", ""]
    tsteps = {(r["model"], r["mode"]): r for r in torch.get("steps", [])}
    jb = {(r["model"], r["precision"]): r for r in bench}
    models = ["MAE", "CrossMAE gamma 0.75", "CrossMAE gamma 0.25"]
    md += ["| model | jmae highest | torch fp32 | ratio | jmae high | torch tf32 | torch tf32+sdpa | ratio to tf32+sdpa |",
           "|---|---|---|---|---|---|---|---|"]
    comparisons = []
    for m in models:
        jh = (jb.get((m, "highest")) or {}).get("images_per_s")
        jt = (jb.get((m, "high")) or {}).get("images_per_s")
        t32 = (tsteps.get((m, "fp32")) or {}).get("images_per_s")
        ttf = (tsteps.get((m, "tf32")) or {}).get("images_per_s")
        tsd = (tsteps.get((m, "tf32+sdpa")) or {}).get("images_per_s")
        comparisons.append({"model": m, "jmae_highest": jh, "torch_fp32": t32, "jmae_high": jt, "torch_tf32": ttf,
                            "torch_tf32_sdpa": tsd, "ratio_highest": ratio(jh, t32), "ratio_high_vs_sdpa": ratio(jt, tsd)})
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (m, fmt(jh), fmt(t32), fmt(ratio(jh, t32), 2), fmt(jt),
                                                               fmt(ttf), fmt(tsd), fmt(ratio(jt, tsd), 2)))
    summary["training_comparison"] = comparisons
    md.append("")
    md.append("Target (issue 16): CrossMAE γ 0.25 at `high` ≥ 0.8× PyTorch TF32+SDPA. jmae: `jmae bench` (batch, warmup"
              " and steps in the log); PyTorch: tools/device-check/torch_bench.py on tools/golden's models.")

    gemm_t = {(g["shape"], g["layout"], g["mode"]): g for g in torch.get("gemm", [])}
    rows = [r for r in marks if r["benchmark"].startswith("MatmulBench")]
    if rows:
        md += ["", "## GEMM (JMH MatmulBench vs torch.matmul, TFLOP/s)", "",
               "| method | shape | layout | jmae | torch | ratio |", "|---|---|---|---|---|---|"]
        for r in rows:
            mode = "tf32" if r["benchmark"].endswith("High") else "fp32"
            t = (gemm_t.get((r["params"].get("shape"), r["params"].get("layout"), mode)) or {}).get("tflops")
            r["torch_tflops"] = t
            md.append("| %s | %s | %s | %s | %s | %s |" % (r["benchmark"], r["params"].get("shape"), r["params"].get("layout"),
                                                          fmt(r.get("tflops"), 2), fmt(t, 2), fmt(ratio(r.get("tflops"), t), 2)))
        md.append("")
        md.append("Target: ≥ 0.9× torch.matmul in the same precision.")
    rows = [r for r in marks if r["benchmark"].startswith("AttentionBench")]
    if rows:
        md += ["", "## Attention (JMH AttentionBench, ms)", "", "| method | ms |", "|---|---|"]
        for r in rows:
            md.append("| %s | %s |" % (r["benchmark"], fmt(r["ms"], 3)))
        for t in torch.get("attention", []):
            md.append("| torch %s forward / backward | %s / %s |" % (t["mode"], fmt(t["forward_ms"], 3),
                                                                   fmt(t["backward_ms"], 3)))
    if torch.get("errors"):
        md += ["", "## PyTorch notes", ""] + ["- " + e for e in torch["errors"]]
    md += ["", "Logs and JUnit reports: logs.tar.gz."]
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
