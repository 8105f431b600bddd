#!/usr/bin/env python3
# dpca_reference.py BRAATZ_DIR - the dynamic-PCA figures cli_analyze.sh expects, computed
# independently of tep: pure Python (no numpy, no GSL), lagged matrix [x_t, x_t-1, x_t-2]
# of d00.dat (transposed to 500 x 52), z-scores with the sample std, the correlation matrix
# diagonalised by cyclic Jacobi rotations, 9 components, 99 % limits (T2: F quantile from
# mpmath; Q: Jackson-Mudholkar with z_0.99), then d01_te.dat scored (samples 3..960; normal
# = sample <= 160). Run by hand (about 25 s): it prints the limits and alarm counts.
import math, sys
D = sys.argv[1]
def load(p):
    return [[float(t) for t in l.split()] for l in open(p) if l.strip()]
tr = load(D + "/d00.dat"); tr = [list(r) for r in zip(*tr)]   # 52x500 -> 500x52
te = load(D + "/d01_te.dat")
L, A = 2, 9
def aug(x): return [sum((x[i - l] for l in range(L + 1)), []) for i in range(L, len(x))]
X = aug(tr); n = len(X); m = len(X[0])
mean = [sum(r[j] for r in X) / n for j in range(m)]
sd = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in X) / (n - 1)) for j in range(m)]
Z = [[(r[j] - mean[j]) / sd[j] for j in range(m)] for r in X]
R = [[0.0] * m for _ in range(m)]
for r in Z:
    for p in range(m):
        rp = r[p]
        if rp == 0: continue
        Rp = R[p]
        for q in range(p, m): Rp[q] += rp * r[q]
for p in range(m):
    for q in range(p, m):
        R[p][q] /= (n - 1); R[q][p] = R[p][q]
V = [[1.0 if i == j else 0.0 for j in range(m)] for i in range(m)]
for sweep in range(50):
    off = sum(R[p][q] ** 2 for p in range(m) for q in range(p + 1, m))
    if off < 1e-30: break
    for p in range(m - 1):
        for q in range(p + 1, m):
            apq = R[p][q]
            if abs(apq) < 1e-300: continue
            theta = (R[q][q] - R[p][p]) / (2 * apq)
            t = (1 if theta >= 0 else -1) / (abs(theta) + math.sqrt(theta * theta + 1))
            c = 1 / math.sqrt(t * t + 1); s = t * c
            for k in range(m):
                akp, akq = R[k][p], R[k][q]
                R[k][p] = c * akp - s * akq; R[k][q] = s * akp + c * akq
            for k in range(m):
                apk, aqk = R[p][k], R[q][k]
                R[p][k] = c * apk - s * aqk; R[q][k] = s * apk + c * aqk
            for k in range(m):
                vkp, vkq = V[k][p], V[k][q]
                V[k][p] = c * vkp - s * vkq; V[k][q] = s * vkp + c * vkq
lam = [R[i][i] for i in range(m)]
order = sorted(range(m), key=lambda i: -lam[i])
lam = [lam[i] for i in order]; P = [[V[k][i] for i in order[:A]] for k in range(m)]
# limits: T2 with F quantile passed in (mpmath), Q Jackson-Mudholkar with z_0.99
F = 2.443677610483274806; z = 2.3263478740408411
t2lim = A * (n - 1) * (n + 1) / (n * (n - A)) * F
th = [sum(max(l, 0.0) ** k for l in lam[A:]) for k in (1, 2, 3)]
h0 = 1 - 2 * th[0] * th[2] / (3 * th[1] ** 2)
qlim = th[0] * (z * math.sqrt(2 * th[1] * h0 * h0) / th[0] + 1 + th[1] * h0 * (h0 - 1) / th[0] ** 2) ** (1 / h0)
Y = aug(te)
t2a = []; qa = []
for r in Y:
    zr = [(r[j] - mean[j]) / sd[j] for j in range(m)]
    t = [sum(zr[k] * P[k][a] for k in range(m)) for a in range(A)]
    t2a.append(sum(t[a] ** 2 / lam[a] for a in range(A)))
    res = [zr[k] - sum(P[k][a] * t[a] for a in range(A)) for k in range(m)]
    qa.append(sum(x * x for x in res))
samples = list(range(L + 1, len(te) + 1))  # 1-based sample of each augmented row
normal = [i for i, s in enumerate(samples) if s <= 160]; faulty = [i for i, s in enumerate(samples) if s > 160]
far_t2 = sum(t2a[i] > t2lim for i in normal); far_q = sum(qa[i] > qlim for i in normal)
fdr_t2 = sum(t2a[i] > t2lim for i in faulty); fdr_q = sum(qa[i] > qlim for i in faulty)
print("n_train", n, "t2_limit %.12g q_limit %.12g" % (t2lim, qlim))
print("normal", len(normal), "faulty", len(faulty), "far_t2", far_t2, "far_q", far_q, "fdr_t2", fdr_t2, "fdr_q", fdr_q)
print("min gap to limit (Q) among test rows %.3g" % min(abs(q - qlim) / qlim for q in qa))
