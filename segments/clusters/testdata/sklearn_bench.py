#!/usr/bin/python3
"""Times scikit-learn's KMeans on the rows BenchmarkKMeans1Mx10k16 clusters.

The rows come from the Go generator (segments/clusters/internal/blobs), written as CSV by

    go run ./segments/clusters/internal/gen -out /tmp/persona_kmeans_1m.csv

which this script runs itself when the file is missing. It reports, like the Go benchmark:
the k-means++ seeding time, the Lloyd time per iteration (a fit started at those seeds,
divided by its iterations, and the marginal cost of one more iteration), the total of one
KMeans(init="k-means++") fit, its iterations and its inertia.
With --n-init 10 it also fits ten restarts per random state and prints the best inertias,
to compare with BenchmarkKMeans1Mx10k16Restarts10.

Run it with Debian's python3-sklearn (apt-get install python3-sklearn), from the repository
root:

    /usr/bin/python3 segments/clusters/testdata/sklearn_bench.py
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans, kmeans_plusplus


def load(path, root):
    if not os.path.exists(path):
        print(f"writing {path} with the Go generator…", file=sys.stderr)
        subprocess.run(["go", "run", "./segments/clusters/internal/gen", "-out", path], cwd=root, check=True)
    start = time.perf_counter()
    x = np.loadtxt(path, delimiter=",", skiprows=1)
    print(f"loaded {x.shape[0]}×{x.shape[1]} from {path} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return x


def one_run(x, k, seed, tol, max_iter):
    start = time.perf_counter()
    centers, _ = kmeans_plusplus(x, k, random_state=seed)
    seed_s = time.perf_counter() - start

    start = time.perf_counter()
    km = KMeans(n_clusters=k, init=centers, n_init=1, algorithm="lloyd", tol=tol, max_iter=max_iter).fit(x)
    lloyd_s = time.perf_counter() - start

    # The fit above includes fixed costs (input checks, copies, norms, the final labelling);
    # the marginal cost of an iteration is the difference between two fits from the same
    # seeds that run a different number of iterations (tol=0: no early stop by tolerance).
    times, iters = [], []
    for max_iter_ in (2, 12):
        start = time.perf_counter()
        short = KMeans(n_clusters=k, init=centers, n_init=1, algorithm="lloyd", tol=0, max_iter=max_iter_).fit(x)
        times.append(time.perf_counter() - start)
        iters.append(short.n_iter_)
    marginal_ms = (times[1] - times[0]) * 1000 / max(iters[1] - iters[0], 1)

    start = time.perf_counter()
    full = KMeans(n_clusters=k, init="k-means++", n_init=1, algorithm="lloyd", tol=tol, max_iter=max_iter,
                  random_state=seed).fit(x)
    total_s = time.perf_counter() - start
    return {
        "seed_ms": seed_s * 1000,
        "ms_per_iter": lloyd_s * 1000 / km.n_iter_,
        "marginal_ms": marginal_ms,
        "iters": km.n_iter_,
        "total_ms": total_s * 1000,
        "total_iters": full.n_iter_,
        "inertia": full.inertia_,
    }


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default="/tmp/persona_kmeans_1m.csv", help="rows to cluster (written by the Go generator if missing)")
    ap.add_argument("--k", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3, help="runs with seeds 0..repeats-1; medians are printed")
    ap.add_argument("--n-init", type=int, default=1, help="also fit this many restarts and print the best inertia (when > 1)")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--max-iter", type=int, default=300)
    args = ap.parse_args()

    x = load(args.csv, root)
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, {os.cpu_count()} cores")
    runs = [one_run(x, args.k, seed, args.tol, args.max_iter) for seed in range(args.repeats)]
    for i, r in enumerate(runs):
        print(f"seed {i}: kmeans++ {r['seed_ms']:.0f} ms; lloyd {r['iters']} iterations at {r['ms_per_iter']:.1f} ms "
              f"(marginal {r['marginal_ms']:.1f} ms); "
              f"full fit {r['total_ms']:.0f} ms ({r['total_iters']} iterations), inertia {r['inertia']:.6g}")
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"median: {med['ms_per_iter']:.1f} ms/iter (marginal {med['marginal_ms']:.1f}), seed {med['seed_ms']:.0f} ms, total {med['total_ms']:.0f} ms, "
          f"inertia {med['inertia']:.6g}")
    if args.n_init > 1:
        # Which local optimum the best restart reaches varies with the seeds: fit with
        # several random states and give them all.
        bests = []
        for seed in range(args.repeats):
            start = time.perf_counter()
            km = KMeans(n_clusters=args.k, init="k-means++", n_init=args.n_init, algorithm="lloyd", tol=args.tol,
                        max_iter=args.max_iter, random_state=seed).fit(x)
            bests.append(km.inertia_)
            print(f"n_init={args.n_init}, random_state={seed}: best inertia {km.inertia_:.6g} "
                  f"in {time.perf_counter() - start:.1f} s")
        print(f"n_init={args.n_init}: median best inertia {statistics.median(bests):.6g}, lowest {min(bests):.6g}")

if __name__ == "__main__":
    main()
