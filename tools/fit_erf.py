#!/usr/bin/python3
"""Fit the float32 erf coefficients of dev.jmae.tensor.cpu.VectorMath (the provenance of its constants).

    /usr/bin/python3 tools/fit_erf.py

Needs only numpy (1.24 is enough); the target is math.erf / math.erfc in double precision, which
is far more accurate than float32 needs. Deterministic: no randomness; prints the same output on
every run.

Scheme (a = |x|, the sign is copied back at the end):

  small   a <  T1:  erf(a) = fma(a, P(s), a),  s = a*a,  P(s) ~ erf(sqrt s)/sqrt s - 1
                    (the leading term a is exact, so P's rounding errors are damped by |P| <= 0.3)
  tail    a >= T1:  erfc(a) = 2^(Q(t) - B),  t = min(a, AMAX) - C,  Q(t) ~ log2(erfc(a)) + B
                    Q's value q is split exactly into k + f (k = rint(q) clamped to >= B - 24,
                    f = q - k), 2^f = 1 + f*X(f), and with j = k - B (so 2^j is exact and
                    1 - 2^j is exact because j >= -24):
                    erf(a) = 1 - 2^j * 2^f = fma(-(2^j * f), X(f), 1 - 2^j)   (one rounding)

B shifts Q so that |q| is below 1 near T1, where erfc is largest and q's own rounding matters
most. AMAX is past the point where erf rounds to 1 in float32, so |x| >= AMAX (and +-inf) give
exactly +-1 without a separate branch.

Each piece is a weighted minimax fit by Lawson's algorithm (iteratively reweighted least squares)
on a dense grid, with the weight chosen so the error is measured in float32 ulps of the final erf.
Coefficients are then rounded to float32 one at a time, lowest degree first, refitting the
remaining ones after each rounding. Finally the float32 evaluation (with fma) is simulated on a
dense grid and the predicted max error in ulps is printed. The simulation emulates a float32 fma
by a double multiply-add then a rounding to float32 (rarely off by a double rounding), so the
Java test VectorMathTest is the authority on the measured error.
"""
import math
import sys

import numpy as np

T1 = 0.75     # small/tail boundary
C = 0.75      # tail polynomial variable t = a - C (exact for a in [C/2, 2C] by Sterbenz)
B = 2         # integer offset of Q (see above)
AMAX = 4.0    # erfc(4) = 1.5e-8 < 2^-25: erf rounds to 1
DEG_P = 5     # P(s): degree in s = a^2, so the small piece is an odd polynomial of degree 13
DEG_Q = 7     # Q(t): degree in t
DEG_X = 5     # X(f): degree in f, so 2^f is approximated by a degree-6 polynomial on [-1/2, 1/2]

f32 = np.float32
erf = np.vectorize(math.erf, otypes=[np.float64])
erfc = np.vectorize(math.erfc, otypes=[np.float64])


def ulp32(v):
    """ulp of float32(v), as a double."""
    return np.spacing(np.abs(np.asarray(v, dtype=np.float64)).astype(np.float32)).astype(np.float64)


def lawson(A, y, w, iters=400):
    """Coefficients c minimising max |w * (A c - y)| (Lawson's IRLS); returns (c, max error)."""
    u = np.full(len(y), 1.0 / len(y))
    best = (np.inf, None)
    for _ in range(iters):
        s = np.sqrt(u) * w
        c = np.linalg.lstsq(A * s[:, None], y * s, rcond=None)[0]
        e = np.abs(w * (A @ c - y))
        if e.max() < best[0]:
            best = (e.max(), c)
        u = u * e
        u /= u.sum()
    return best[1], best[0]


def fit_float32(x, y, w, degree):
    """Weighted minimax polynomial sum c_j x^j with float32 coefficients; returns (c, max error)."""
    A = np.vstack([x ** j for j in range(degree + 1)]).T
    fixed = []
    for j in range(degree + 1):
        rest = y - A[:, :j] @ np.array(fixed) if fixed else y
        c, _ = lawson(A[:, j:], rest, w)
        fixed.append(float(f32(c[0])))
    c = np.array(fixed)
    return c, np.max(np.abs(w * (A @ c - y)))


def fit_small():
    a = np.linspace(0.0, T1, 8001)[1:]
    y = erf(a) / a - 1.0
    w = a / ulp32(erf(a))                     # d(erf ulps) / dP
    return fit_float32(a * a, y, w, DEG_P)


def fit_exp2():
    f = np.linspace(-0.5, 0.5, 8000)          # even count: f = 0 is not a grid point
    y = np.expm1(f * math.log(2.0)) / f
    w = np.abs(f) / 2.0 ** f                  # relative error of 1 + f X(f) against 2^f
    return fit_float32(f, y, w, DEG_X)


def fit_tail():
    a = np.linspace(T1, AMAX, 8001)
    y = np.log2(erfc(a)) + B
    w = erfc(a) * math.log(2.0) / ulp32(erf(a))   # d(erf ulps) / dQ
    return fit_float32(a - C, y, w, DEG_Q)


# float32 simulation of the Java evaluation ------------------------------------------------------

def fma32(a, b, c):
    return (np.float64(a) * np.float64(b) + np.float64(c)).astype(np.float32)


def horner32(coef, t):
    r = np.full(t.shape, f32(coef[-1]))
    for c in coef[-2::-1]:
        r = fma32(r, t, f32(c))
    return r


MAGIC = f32(1.5 * 2 ** 23)   # x + MAGIC - MAGIC = rint(x) for |x| < 2^22


def erf32(x, P, Q, X):
    a = np.abs(x.astype(np.float32))
    small = fma32(a, horner32(P, (a * a).astype(np.float32)), a)
    t = (np.minimum(a, f32(AMAX)) - f32(C)).astype(np.float32)
    q = horner32(Q, t)
    r = np.maximum((q + MAGIC).astype(np.float32), f32(MAGIC + (B - 24)))
    k = (r - MAGIC).astype(np.float32)
    f = (q - k).astype(np.float32)
    scale = np.ldexp(np.float32(1), (k.astype(np.int64) - B).astype(np.int32)).astype(np.float32)
    tail = fma32(-(scale * f).astype(np.float32), horner32(X, f), (f32(1) - scale).astype(np.float32))
    return np.copysign(np.where(a < f32(T1), small, tail), x)


def java(name, coef):
    lines = ["    // " + name]
    for j, c in enumerate(coef):
        h = float(f32(c)).hex()                     # e.g. 0x1.06eba80000000p-3
        mant, exp = h.split("p")
        mant = mant.rstrip("0").rstrip(".")
        lines.append("    private static final float %s%d = %sp%sf; // %s" % (name, j, mant, exp, repr(f32(c))))
    return "\n".join(lines)


def main():
    assert float(f32(T1)) == T1 and float(f32(C)) == C and float(f32(AMAX)) == AMAX
    assert erfc(AMAX) < 2.0 ** -25, "AMAX must be past the point where erf rounds to 1"
    P, eP = fit_small()
    X, eX = fit_exp2()
    Q, eQ = fit_tail()
    print("# scheme: T1=%g C=%g B=%d AMAX=%g, degrees P=%d (in a^2), Q=%d, X=%d"
          % (T1, C, B, AMAX, DEG_P, DEG_Q, DEG_X))
    print("# approximation error with float32 coefficients (exact arithmetic):")
    print("#   small piece  %.4f ulp of erf" % eP)
    print("#   tail piece   %.4f ulp of erf" % eQ)
    print("#   2^f          %.3g relative" % eX)
    print(java("P", P))
    print(java("Q", Q))
    print(java("X", X))

    grid = np.unique(np.concatenate([
        np.linspace(0.0, 4.5, 2_000_001),
        np.linspace(T1 * 0.95, T1 * 1.05, 200_001),
        np.linspace(3.8, 4.0, 200_001),
        np.geomspace(1e-40, 1e-2, 20_001),
    ]).astype(np.float32))
    got = erf32(grid, P, Q, X).astype(np.float64)
    exact = erf(grid.astype(np.float64))
    err = np.abs(got - exact) / ulp32(exact)
    print("# predicted float32 error on %d points in [0, 4.5]:" % len(grid))
    for lo, hi in [(0.0, 0.5), (0.5, T1), (T1, 1.5), (1.5, 2.5), (2.5, 3.5), (3.5, 4.5)]:
        m = (grid >= lo) & (grid < hi)
        i = np.argmax(err[m])
        print("#   [%.2f, %.2f)  max %.3f ulp at %r" % (lo, hi, err[m][i], grid[m][i]))
    i = np.argmax(err)
    print("#   overall      max %.3f ulp at %r" % (err[i], grid[i]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
