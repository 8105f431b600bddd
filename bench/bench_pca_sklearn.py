"""bench_pca_sklearn.py - the scikit-learn side of bench_pca.sh.

Reads the raw float64 matrix written by `bench_pca gen` (rows x 52), then times the same work
as `bench_pca run`: standardise with the mean and sample std (ddof=1), fit PCA, T^2 and Q of
every row, and the 99 % limits (scipy F quantile; Jackson-Mudholkar, which needs every
eigenvalue, hence svd_solver="full" with all components; the 9-component "auto" solver
(randomized SVD) is timed too, without the Q limit). If the t2,q pairs written by bench_pca
are given, prints the largest relative difference. Run with /usr/bin/python3 (Debian numpy,
scipy, sklearn).
"""
import sys
import time

import numpy as np
from scipy import stats
from sklearn.decomposition import PCA

NV = 52
A = 9


def t2_limit(a, n, conf=0.99):
    return a * (n - 1) * (n + 1) / (n * (n - a)) * stats.f.ppf(conf, a, n - a)


def q_limit(eigenvalues, a, conf=0.99):
    r = np.clip(eigenvalues[a:], 0.0, None)
    t1, t2, t3 = r.sum(), (r ** 2).sum(), (r ** 3).sum()
    h0 = 1.0 - 2.0 * t1 * t3 / (3.0 * t2 * t2)
    c = stats.norm.ppf(conf)
    return t1 * (c * np.sqrt(2.0 * t2 * h0 * h0) / t1 + 1.0
                 + t2 * h0 * (h0 - 1.0) / (t1 * t1)) ** (1.0 / h0)


def monitor(x, solver):
    start = time.perf_counter()
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1)
    z = (x - mean) / std
    if solver == "full":
        pca = PCA(n_components=None, svd_solver="full").fit(z)
        lam = pca.explained_variance_
        p = pca.components_[:A]
        limits = (t2_limit(A, len(x)), q_limit(lam, A))
    else:
        pca = PCA(n_components=A, svd_solver=solver, random_state=0).fit(z)
        lam = pca.explained_variance_
        p = pca.components_
        limits = (t2_limit(A, len(x)), float("nan"))
    fitted = time.perf_counter()
    scores = (z - pca.mean_) @ p.T
    t2 = (scores ** 2 / lam[:A]).sum(axis=1)
    resid = z - scores @ p
    q = (resid ** 2).sum(axis=1)
    done = time.perf_counter()
    return t2, q, limits, fitted - start, done - fitted


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench_pca_sklearn.py DATA [TEP_T2Q]")
    x = np.fromfile(sys.argv[1], dtype=np.float64).reshape(-1, NV)
    for solver in ("full", "auto"):
        t2, q, limits, fit_s, score_s = monitor(x, solver)
        print(f"sklearn {solver:>4}: {len(x)} x {NV} rows, {A} PCs: fit {fit_s:.3f} s, "
              f"score {score_s:.3f} s, total {fit_s + score_s:.3f} s; limits T2 {limits[0]:.4f}"
              f" Q {limits[1]:.4f}")
        print(f"SKLEARN_{solver.upper()}_TOTAL_S {fit_s + score_s:.6f}")
        if solver == "full" and len(sys.argv) > 2:
            ours = np.fromfile(sys.argv[2], dtype=np.float64).reshape(-1, 2)
            d_t2 = np.max(np.abs(ours[:, 0] - t2) / np.maximum(np.abs(t2), 1e-12))
            d_q = np.max(np.abs(ours[:, 1] - q) / np.maximum(np.abs(q), 1e-12))
            print(f"max relative difference tep vs sklearn: T2 {d_t2:.2e}, Q {d_q:.2e}")
        del t2, q


if __name__ == "__main__":
    main()
