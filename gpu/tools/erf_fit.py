#!/usr/bin/env python3
"""Fits the float32 erf / erfc polynomials used in gpu/src/main/resources/dev/jmae/gpu/kernels/common.h.

Weighted least squares on Chebyshev nodes against mpmath (40 digits), then an emulation of the
OpenCL evaluation in float32 (coefficients rounded to float, one rounding per fma) that reports
the worst error in ulp. Needs numpy and mpmath (Debian: python3-numpy python3-mpmath).

    erfSmall    |x| < 1:        erf(x) = x + x * p(x^2),            p of degree 6
    erfcLarge   1 <= t < 2.5:    erfc(t) = exp(-t^2) * q1(t - 1.75),  q1 of degree 10
                2.5 <= t < 10.5: erfc(t) = exp(-t^2) * q2(1/t - 0.25) / t, q2 of degree 10

Printed coefficients go lowest degree first; common.h evaluates them with Horner from the top.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
F = np.float32


def cheb_nodes(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def fit(xs, ys, deg):
    """Least squares with relative weights, monomials in xs, lowest degree first."""
    v = np.vander(xs, deg + 1, increasing=True)
    w = 1 / np.abs(ys)
    c, *_ = np.linalg.lstsq(v * w[:, None], ys * w, rcond=None)
    return c


def horner(c, v):
    """float32 Horner with one rounding per step, like fma in OpenCL."""
    r = F(c[-1])
    for a in c[-2::-1]:
        r = F(np.float64(r) * np.float64(v) + np.float64(F(a)))
    return r


def ulps(got, want):
    return float(abs(mp.mpf(float(got)) - want) / np.spacing(F(float(want))))


def main():
    n = 4000
    x = cheb_nodes(0, 1, n)
    # fit erf(x)/x with relative weights, then subtract 1 so that erf = x + x * p(x^2) keeps x exact
    p = fit(x * x, np.array([float(mp.erf(mp.mpf(v)) / mp.mpf(v)) for v in x]), 6)
    p[0] -= 1.0
    t = cheb_nodes(1, 2.5, n)
    q1 = fit(t - 1.75, np.array([float(mp.erfc(mp.mpf(v)) * mp.exp(mp.mpf(v) ** 2)) for v in t]), 10)
    t = cheb_nodes(2.5, 10.5, n)
    q2 = fit(1 / t - 0.25, np.array([float(mp.erfc(mp.mpf(v)) * mp.exp(mp.mpf(v) ** 2) * mp.mpf(v)) for v in t]), 10)
    for name, c in (("p (erfSmall)", p), ("q1", q1), ("q2", q2)):
        print(name + ": " + ", ".join("%.9ef" % v for v in F(c)))

    def erfc_large(tv):
        tv = F(tv)
        hi = F(tv * tv)
        lo = F(np.float64(tv) * np.float64(tv) - np.float64(hi))
        e = F(F(np.exp(np.float64(-hi))) * F(F(1) - lo))
        if tv < 2.5:
            q = horner(q1, F(tv - F(1.75)))
        else:
            r = F(F(1) / tv)
            q = F(horner(q2, F(r - F(0.25))) * r)
        return F(e * q)

    worst = max(ulps(F(np.float64(v) * np.float64(horner(p, F(v * v))) + np.float64(v)), mp.erf(mp.mpf(float(v))))
                for v in map(F, np.linspace(0, 1, 20001)[1:]))
    print("erf, |x| < 1: max %.2f ulp" % worst)
    worst = max(ulps(F(F(1) - erfc_large(v)), mp.erf(mp.mpf(float(v)))) for v in map(F, np.linspace(1, 3.95, 20001)))
    print("erf, 1 <= |x| < 3.95: max %.2f ulp" % worst)
    worst = max(ulps(erfc_large(v), mp.erfc(mp.mpf(float(v)))) for v in map(F, np.linspace(1, 9.5, 20001)))
    print("erfc, 1 <= t < 9.5: max %.2f ulp" % worst)


if __name__ == "__main__":
    main()
