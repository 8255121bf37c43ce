#!/usr/bin/env python3
"""Data-parallel scaling model of docs/distributed.md ("Scaling model on paper").

Prints the markdown tables of that section. Inputs, all stated there:
  parameter counts   `bin/jmae info --config crossmae_vit_base_patch16` / `mae_vit_base_patch16`
  per-image compute  CrossMAE paper, Table 18 (4 x A100 80GB, global batch 4096, ImageNet-1k):
                     MAE 5.19 min/epoch, CrossMAE (prediction ratio 0.25) 3.38 min/epoch
  memory limits      same appendix: CrossMAE fits 1024 images per GPU, MAE 512 (gradient accumulation)
Model, per optimizer step on N ranks (one A100 each), global batch 4096:
  T_c     = (4096 / N) * t_img                         compute, independent of the local batch
  T_comm  = 2(N-1)/N * S / B + 2(N-1) * k * alpha      ring all-reduce of S gradient bytes in k buckets
  T_bwd   = 2/3 * T_c / a                              backward of the last micro-batch (a micro-batches,
                                                       no_sync on the others), the window DDP overlaps
  T_exp   = max(T_ring(last bucket), T_comm - T_bwd)   the last bucket is ready only when backward ends
  E       = T_c / (T_c + T_exp)                        parallel efficiency; speed-up = N * E
"""
import math

IMAGES = 1_281_167
GLOBAL_BATCH = 4096
BUCKET = 25 * 2**20          # DDP bucket cap, bytes
FIRST_BUCKET = 2**20
ALPHA = 5e-6                 # per-message latency, seconds (RDMA-class network)
MODELS = {
    # name: (trainable parameters, minutes per epoch on 4 A100s, images per GPU per micro-batch)
    "CrossMAE ViT-B/16, prediction ratio 0.25": (127_034_268, 3.38, 1024),
    "MAE ViT-B/16": (111_655_680, 5.19, 512),
}
BANDWIDTHS_GBIT = (25, 100, 400)
NODES = (1, 2, 4, 8, 16, 32, 64)


def ring(nbytes, n, bandwidth, buckets):
    if n == 1:
        return 0.0
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * buckets * ALPHA


def main():
    for name, (params, minutes, micro) in MODELS.items():
        grad_bytes = 4 * params
        buckets = 1 + math.ceil(max(0, grad_bytes - FIRST_BUCKET) / BUCKET)
        t_img = minutes * 60 * 4 / IMAGES
        print(f"\n**{name}**: {params:,} parameters, {grad_bytes / 1e6:.1f} MB of float32 gradients per step "
              f"({buckets} buckets); {t_img * 1e3:.3f} ms per image per A100 "
              f"({minutes} min/epoch on 4 A100s)\n")
        head = "| ranks | local batch (micro-batches) | compute ms/step |"
        head += "".join(f" all-reduce ms @{b} Gb/s |" for b in BANDWIDTHS_GBIT)
        head += "".join(f" efficiency @{b} Gb/s |" for b in BANDWIDTHS_GBIT)
        head += " no overlap @100 Gb/s |"
        print(head)
        print("|" + "---|" * (3 + 2 * len(BANDWIDTHS_GBIT) + 1))
        for n in NODES:
            local = GLOBAL_BATCH // n
            a = max(1, math.ceil(local / micro))
            t_c = local * t_img
            t_bwd = 2 / 3 * t_c / a
            comm, eff = [], []
            for b in BANDWIDTHS_GBIT:
                bw = b * 1e9 / 8
                t_comm = ring(grad_bytes, n, bw, buckets)
                t_exp = 0.0 if n == 1 else max(ring(BUCKET, n, bw, 1), t_comm - t_bwd)
                comm.append(t_comm)
                eff.append(t_c / (t_c + t_exp))
            no_overlap = t_c / (t_c + ring(grad_bytes, n, 100e9 / 8, buckets))
            row = f"| {n} | {local} ({a}) | {t_c * 1e3:.0f} |"
            row += "".join(f" {c * 1e3:.0f} |" for c in comm)
            row += "".join(f" {e * 100:.0f}% |" for e in eff)
            row += f" {no_overlap * 100:.0f}% |"
            print(row)


if __name__ == "__main__":
    main()
