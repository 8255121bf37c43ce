// Checks the CUDA attention kernels, forward and backward, against a double-precision reference:
// the shared SIMT kernels of attention.c (through prelude_cuda.h: the CUDA side of the shared
// dialect, its dynamic shared-memory binds included) and the tensor-core kernels of
// flash_attention.cu, on awkward sizes (M != N, several key and query tiles, partial tiles,
// head dims padded up to the kernel's capacity) and strided layouts (q, k, v as slices of one
// packed [B, T, 3, H, Dh] projection; outputs [B, T, H, Dh] viewed as [B, H, T, Dh]).
//
// The end of one program: emulator.h, prelude_cuda.h, emulator_shared.h (CPU emulation,
// FlashAttentionEmulationTest) or device.h, prelude_cuda.h (a GPU), then common.h, attention.c,
// flash_attention.cu and this file. Prints one line per
// case, kernel and tensor: "check <case> <kernels> <tensor> err=<max |got - ref|> ref=<max |ref|>
// rel=<err / ref> limit=<limit> ok|FAIL"; exits 1 if any check fails.
//
// Limits on the largest error relative to the largest reference magnitude of each tensor (at least
// 0.1, the order of the gradients here: inputs are uniform in [-1, 1], so an all-zero reference,
// like dq and dk with one key, is held to an absolute bound): strict fp32 (SIMT) 2e-5, about 300
// units of float32 rounding (2^-24; sums of up to 130 terms, exp and a division per element);
// TF32 (flash) 5e-3, about 10 units of TF32 rounding (2^-11: operands keep 10 mantissa bits, as in
// cuBLAS's and PyTorch's TF32 mode). Measured on the emulator when written: at most 1e-6 and 1e-3.

namespace check {

struct Layout {
    Heads heads;
    size_t floats;
};

// [B, H, T, Dh] contiguous, starting at offset.
Layout contiguous(int B, int H, int T, int Dh, int offset) {
    Heads h = {offset, H * T * Dh, T * Dh, Dh};
    return {h, (size_t) offset + (size_t) B * H * T * Dh};
}

// Slice `which` (0 = q, 1 = k, 2 = v) of a packed [B, T, 3, H, Dh] buffer.
Layout packed(int B, int H, int T, int Dh, int which) {
    Heads h = {which * H * Dh, T * 3 * H * Dh, Dh, 3 * H * Dh};
    return {h, (size_t) B * T * 3 * H * Dh};
}

// [B, T, H, Dh] viewed as [B, H, T, Dh].
Layout headsLast(int B, int H, int T, int Dh) {
    Heads h = {0, T * H * Dh, Dh, H * Dh};
    return {h, (size_t) B * T * H * Dh};
}

size_t at(const Heads& l, int b, int h, int i, int c) {
    return (size_t) l.offset + (size_t) b * l.sb + (size_t) h * l.sh + (size_t) i * l.st + c;
}

struct Case {
    std::string name;
    int B, H, M, N, Dh;
    bool packedLayout;
};

// The reference in double: out, lse; then dq, dk, dv for a given dout.
struct Reference {
    std::vector<double> out, lse, dq, dk, dv;
};

Reference reference(const Case& c, const std::vector<float>& q, const Heads& qL, const std::vector<float>& k,
                    const Heads& kL, const std::vector<float>& v, const Heads& vL, const std::vector<float>& dout,
                    const Heads& doL, float scale) {
    int B = c.B, H = c.H, M = c.M, N = c.N, Dh = c.Dh;
    Reference r;
    r.out.assign((size_t) B * H * M * Dh, 0.0);
    r.lse.assign((size_t) B * H * M, -std::numeric_limits<double>::infinity());
    r.dq.assign((size_t) B * H * M * Dh, 0.0);
    r.dk.assign((size_t) B * H * N * Dh, 0.0);
    r.dv.assign((size_t) B * H * N * Dh, 0.0);
    std::vector<double> p(N), dp(N);
    for (int b = 0; b < B; b++) {
        for (int h = 0; h < H; h++) {
            size_t bh = (size_t) b * H + h;
            for (int i = 0; i < M; i++) {
                double mx = -std::numeric_limits<double>::infinity();
                for (int j = 0; j < N; j++) {
                    double s = 0;
                    for (int x = 0; x < Dh; x++) {
                        s += (double) q[at(qL, b, h, i, x)] * k[at(kL, b, h, j, x)];
                    }
                    p[j] = s * scale;
                    mx = std::max(mx, p[j]);
                }
                double sum = 0;
                for (int j = 0; j < N; j++) {
                    p[j] = std::exp(p[j] - mx);
                    sum += p[j];
                }
                if (N == 0) {
                    continue;
                }
                r.lse[bh * M + i] = mx + std::log(sum);
                double delta = 0;
                for (int x = 0; x < Dh; x++) {
                    double o = 0;
                    for (int j = 0; j < N; j++) {
                        o += p[j] / sum * v[at(vL, b, h, j, x)];
                    }
                    r.out[(bh * M + i) * Dh + x] = o;
                    delta += o * dout[at(doL, b, h, i, x)];
                }
                for (int j = 0; j < N; j++) {
                    double g = 0;
                    for (int x = 0; x < Dh; x++) {
                        g += (double) dout[at(doL, b, h, i, x)] * v[at(vL, b, h, j, x)];
                    }
                    double pj = p[j] / sum;
                    double ds = pj * (g - delta);
                    for (int x = 0; x < Dh; x++) {
                        r.dq[(bh * M + i) * Dh + x] += scale * ds * k[at(kL, b, h, j, x)];
                        r.dk[(bh * N + j) * Dh + x] += scale * ds * q[at(qL, b, h, i, x)];
                        r.dv[(bh * N + j) * Dh + x] += pj * dout[at(doL, b, h, i, x)];
                    }
                }
            }
        }
    }
    return r;
}

int failures = 0;

// Compares rows [B, H, T, Dh] of a kernel's output (layout l) with the reference ([B, H, T, Dh]
// contiguous).
void compare(const Case& c, const char* kernels, const char* tensor, const std::vector<float>& got, const Heads& l,
             const std::vector<double>& ref, int T, int width, double limit) {
    double err = 0;
    double mag = 0;
    bool finite = true;
    for (int b = 0; b < c.B; b++) {
        for (int h = 0; h < c.H; h++) {
            for (int i = 0; i < T; i++) {
                for (int x = 0; x < width; x++) {
                    double want = ref[(((size_t) b * c.H + h) * T + i) * width + x];
                    double have = got[at(l, b, h, i, x)];
                    if (std::isinf(want) && want == have) {
                        continue;
                    }
                    finite &= std::isfinite(have);
                    err = std::max(err, std::fabs(have - want));
                    mag = std::max(mag, std::fabs(want));
                }
            }
        }
    }
    double rel = err / std::max(mag, 0.1);
    bool ok = finite && rel <= limit;
    failures += ok ? 0 : 1;
    std::printf("check %s %s %s err=%.3e ref=%.3e rel=%.3e limit=%.0e %s\n", c.name.c_str(), kernels, tensor, err, mag,
                rel, limit, ok ? "ok" : "FAIL");
}

void fill(std::vector<float>& x, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& e : x) {
        e = u(rng);
    }
}

void run(const Case& c, bool flash) {
    int B = c.B, H = c.H, M = c.M, N = c.N, Dh = c.Dh;
    float scale = 1.0f / std::sqrt((float) Dh);
    std::mt19937 rng(1234 + M * 31 + N * 7 + Dh);
    // q/k/v (packed slices or separate tensors), out/dq [B, M, H, Dh] or [B, H, M, Dh] likewise
    Layout qL, kL, vL, oL, dqL, dkL, dvL, doL;
    if (c.packedLayout) {
        qL = packed(B, H, M, Dh, 0);
        kL = packed(B, H, N, Dh, 1);
        vL = packed(B, H, N, Dh, 2);
        oL = headsLast(B, H, M, Dh);
        dqL = packed(B, H, M, Dh, 0);
        dkL = packed(B, H, N, Dh, 1);
        dvL = packed(B, H, N, Dh, 2);
        doL = headsLast(B, H, M, Dh);
    } else {
        qL = contiguous(B, H, M, Dh, 3);
        kL = contiguous(B, H, N, Dh, 1);
        vL = contiguous(B, H, N, Dh, 0);
        oL = contiguous(B, H, M, Dh, 2);
        dqL = contiguous(B, H, M, Dh, 0);
        dkL = contiguous(B, H, N, Dh, 5);
        dvL = contiguous(B, H, N, Dh, 0);
        doL = contiguous(B, H, M, Dh, 1);
    }
    // packed: q, k, v share one buffer (as do dq, dk, dv)
    Buffer qkv(c.packedLayout ? qL.floats : 0);
    Buffer qb(c.packedLayout ? 0 : qL.floats), kb(c.packedLayout ? 0 : kL.floats), vb(c.packedLayout ? 0 : vL.floats);
    Buffer& Q = c.packedLayout ? qkv : qb;
    Buffer& K = c.packedLayout ? qkv : kb;
    Buffer& V = c.packedLayout ? qkv : vb;
    fill(Q.host, rng);
    if (!c.packedLayout) {
        fill(K.host, rng);
        fill(V.host, rng);
    }
    // a few sharp rows, so that the running max changes from one key tile to the next
    for (int i = 0; i < M; i += 5) {
        for (int x = 0; x < Dh; x++) {
            Q.host[at(qL.heads, 0, 0, i, x)] *= 6.0f;
        }
    }
    Buffer dout(doL.floats);
    fill(dout.host, rng);
    Buffer out(oL.floats), lse(1 + (size_t) B * H * M), delta((size_t) B * H * M);
    Buffer dqkv(c.packedLayout ? dqL.floats : 0);
    Buffer dqb(c.packedLayout ? 0 : dqL.floats);
    Buffer dkb(c.packedLayout ? 0 : dkL.floats);
    Buffer dvb(c.packedLayout ? 0 : dvL.floats);
    Buffer& DQ = c.packedLayout ? dqkv : dqb;
    Buffer& DK = c.packedLayout ? dqkv : dkb;
    Buffer& DV = c.packedLayout ? dqkv : dvb;
    for (Buffer* b : {&Q, &K, &V, &dout, &out, &lse, &delta, &DQ, &DK, &DV}) {
        b->upload();
    }
    Reference ref = reference(c, Q.host, qL.heads, K.host, kL.heads, V.host, vL.heads, dout.host, doL.heads, scale);
    Ints4 sizes = {{H, M, N, Dh}};
    int lseOffset = 1;
    const char* name;
    if (flash) {
        name = Dh <= 32 ? "flash32" : "flash64";
        dim3 qGrid((M + 63) / 64, B * H);
        dim3 kGrid((N + 63) / 64, B * H);
        Ints4 dims = {{0, 0, lseOffset, 0}};
        if (M > 0) {
            if (Dh <= 32) {
                LAUNCH(flashAttentionForward32, qGrid, dim3(128), 0, out.ptr(), lse.ptr(), Q.ptr(), K.ptr(), V.ptr(),
                       oL.heads, qL.heads, kL.heads, vL.heads, sizes, dims, scale);
            } else {
                LAUNCH(flashAttentionForward64, qGrid, dim3(128), 0, out.ptr(), lse.ptr(), Q.ptr(), K.ptr(), V.ptr(),
                       oL.heads, qL.heads, kL.heads, vL.heads, sizes, dims, scale);
            }
            LAUNCH(attentionBackwardDelta, dim3((M + 63) / 64, B * H), dim3(64), 0, delta.ptr(), out.ptr(),
                   dout.ptr(), oL.heads, doL.heads, H, M, Dh);
            if (Dh <= 32) {
                LAUNCH(flashAttentionBackwardDq32, qGrid, dim3(128), 0, DQ.ptr(), lse.ptr(), delta.ptr(), Q.ptr(),
                       K.ptr(), V.ptr(), dout.ptr(), dqL.heads, qL.heads, kL.heads, vL.heads, doL.heads, sizes, dims,
                       scale);
            } else {
                LAUNCH(flashAttentionBackwardDq64, qGrid, dim3(128), 0, DQ.ptr(), lse.ptr(), delta.ptr(), Q.ptr(),
                       K.ptr(), V.ptr(), dout.ptr(), dqL.heads, qL.heads, kL.heads, vL.heads, doL.heads, sizes, dims,
                       scale);
            }
        }
        if (N > 0) {
            if (Dh <= 32) {
                LAUNCH(flashAttentionBackwardDkDv32, kGrid, dim3(128), 0, DK.ptr(), DV.ptr(), lse.ptr(), delta.ptr(),
                       Q.ptr(), K.ptr(), V.ptr(), dout.ptr(), dkL.heads, dvL.heads, qL.heads, kL.heads, vL.heads,
                       doL.heads, sizes, dims, scale);
            } else {
                LAUNCH(flashAttentionBackwardDkDv64, kGrid, dim3(128), 0, DK.ptr(), DV.ptr(), lse.ptr(), delta.ptr(),
                       Q.ptr(), K.ptr(), V.ptr(), dout.ptr(), dkL.heads, dvL.heads, qL.heads, kL.heads, vL.heads,
                       doL.heads, sizes, dims, scale);
            }
        }
    } else {
        // launch rules of the SIMT kernels (attention.c): pitch ldl (Dh made odd), rows per block
        // bm / bk, staged block rows bn / bq <= BLOCK_MAX, dynamic shared memory = their buffers
        name = "simt";
        int ldl = Dh % 2 == 0 ? Dh + 1 : Dh;
        int bm = 32, bn = 32, bk = 16, bq = 32;
        if (M > 0) {
            Ints4 dims = {{ldl, bn, lseOffset, 0}};
            LAUNCH(attentionForward, dim3((M + bm - 1) / bm, B * H), dim3(bm), (size_t) (2 * bm + 2 * bn) * ldl * 4,
                   out.ptr(), lse.ptr(), Q.ptr(), K.ptr(), V.ptr(), oL.heads, qL.heads, kL.heads, vL.heads, sizes,
                   dims, scale);
            LAUNCH(attentionBackwardDelta, dim3((M + 63) / 64, B * H), dim3(64), 0, delta.ptr(), out.ptr(),
                   dout.ptr(), oL.heads, doL.heads, H, M, Dh);
            LAUNCH(attentionBackwardDq, dim3((M + bm - 1) / bm, B * H), dim3(bm),
                   (size_t) (3 * bm + 2 * bn) * ldl * 4, DQ.ptr(), lse.ptr(), delta.ptr(), Q.ptr(), K.ptr(), V.ptr(),
                   dout.ptr(), dqL.heads, qL.heads, kL.heads, vL.heads, doL.heads, sizes, dims, scale);
        }
        if (N > 0) {
            Ints4 dims = {{ldl, bq, lseOffset, 0}};
            LAUNCH(attentionBackwardDkDv, dim3((N + bk - 1) / bk, B * H), dim3(bk),
                   ((size_t) (4 * bk + 2 * bq) * ldl + 2 * bq) * 4, DK.ptr(), DV.ptr(), lse.ptr(), delta.ptr(),
                   Q.ptr(), K.ptr(), V.ptr(), dout.ptr(), dkL.heads, dvL.heads, qL.heads, kL.heads, vL.heads,
                   doL.heads, sizes, dims, scale);
        }
    }
    CHECK_DEVICE();
    for (Buffer* b : {&out, &lse, &DQ, &DK, &DV}) {
        b->download();
    }
    double limit = flash ? 5e-3 : 2e-5;
    compare(c, name, "out", out.host, oL.heads, ref.out, M, Dh, limit);
    Heads lseL = {lseOffset, H * M, M, 1};
    compare(c, name, "lse", lse.host, lseL, ref.lse, M, 1, limit);
    if (M > 0 && N > 0) {
        compare(c, name, "dq", DQ.host, dqL.heads, ref.dq, M, Dh, limit);
        compare(c, name, "dk", DK.host, dkL.heads, ref.dk, N, Dh, limit);
        compare(c, name, "dv", DV.host, dvL.heads, ref.dv, N, Dh, limit);
    }
}

}  // namespace check

int main() {
    std::vector<check::Case> cases = {
        {"B1H2_M70_N45_Dh64", 1, 2, 70, 45, 64, false},
        {"B2H1_M33_N130_Dh32", 2, 1, 33, 130, 32, false},
        {"B1H1_M17_N81_Dh48", 1, 1, 17, 81, 48, false},
        {"B1H1_M1_N1_Dh20", 1, 1, 1, 1, 20, false},
        {"B2H3_T66_Dh64_packed", 2, 3, 66, 66, 64, true},
        {"B1H2_T40_Dh32_packed", 1, 2, 40, 40, 32, true},
        {"B1H1_M5_N0_Dh32", 1, 1, 5, 0, 32, false},
    };
    std::printf("attention_check %s: %zu cases\n", CHECK_MODE, cases.size());
    for (const check::Case& c : cases) {
        check::run(c, false);
        check::run(c, true);
    }
    std::printf("attention_check: %d failed\n", check::failures);
    return check::failures == 0 ? 0 : 1;
}
