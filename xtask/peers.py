"""The Python peers of the workload table: ArcticDB (LMDB) and pyarrow Parquet.

`python peers.py <job> --n N --dir DIR` runs one job and prints one line of JSON in the
shape of the Rust runner's report (job, n, phases in seconds, checksum, bytes_on_disk,
peak_rss_kib). `cargo xtask bench` calls it with a virtualenv's Python when that Python
imports `arcticdb` and `pyarrow`, so the peers are measured in the same run as our jobs.

Jobs: arcticdb_write / arcticdb_read (one symbol, the index as a DatetimeIndex) and
pyarrow_write / pyarrow_read (index and values columns, LZ4 pages, as our Parquet objects).
A read job fails unless the values it read have the generator's checksum.
"""

import hashlib
import json
import os
import resource
import shutil
import sys
import time

import numpy as np


def values(n):
    """D(n, 0) of the workload definition: a daily sine, a hashed uniform term, and
    hour-long gaps (1 % of the points)."""
    j = np.arange(n, dtype=np.uint64)
    u = ((j * np.uint64(2654435761)) % np.uint64(2**32)).astype(np.float64) / 2.0**32
    jf = j.astype(np.float64)
    v = 10.0 + 5.0 * np.sin(2.0 * np.pi * jf / 1440.0) + (u - 0.5)
    phase = j % np.uint64(6000)
    v[(phase >= 3000) & (phase < 3060)] = np.nan
    return v


def index(n):
    """One label a minute from 2020-01-01, nanoseconds, no zone."""
    start = np.datetime64("2020-01-01T00:00:00", "ns")
    return start + np.arange(n, dtype=np.int64) * np.timedelta64(60, "s")


def checksum(v):
    """Length, missing count, sum of the present values (per chunk of 2^20) and the MD5 of
    the float64 bytes with every missing value as the canonical quiet NaN."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    missing = np.isnan(v)
    total = 0.0
    for start in range(0, len(v), 1 << 20):
        chunk = v[start : start + (1 << 20)]
        total += float(chunk[~np.isnan(chunk)].sum())
    canonical = v.copy()
    canonical[missing] = np.nan
    bits = canonical.view(np.uint64)
    bits[missing] = np.uint64(0x7FF8000000000000)
    return {
        "length": int(len(v)),
        "missing": int(missing.sum()),
        "sum": total,
        "md5": hashlib.md5(bits.astype("<u8").tobytes()).hexdigest(),
    }


def generated(n, read):
    """The checksum of `read`, which must be the generator's."""
    got, want = checksum(read), checksum(values(n))
    if got != want:
        raise SystemExit(f"read back {got} but the generator gives {want}")
    return got


def bytes_on_disk(path):
    return sum(
        os.path.getsize(os.path.join(root, f))
        for root, _, files in os.walk(path)
        for f in files
    )


def main(argv):
    job = argv[0]
    args = dict(zip(argv[1::2], argv[2::2]))
    n, scratch = int(args["--n"]), args["--dir"]
    phases = {}

    def timed(name, f):
        start = time.perf_counter()
        out = f()
        phases[name] = time.perf_counter() - start
        return out

    if job.endswith("_write"):
        shutil.rmtree(scratch, ignore_errors=True)
        os.makedirs(scratch)
    if job == "arcticdb_write":
        import arcticdb
        import pandas as pd

        frame = timed(
            "build", lambda: pd.DataFrame({"values": values(n)}, index=index(n))
        )
        library = timed(
            "open",
            lambda: arcticdb.Arctic(f"lmdb://{scratch}/lmdb").get_library(
                "workload", create_if_missing=True
            ),
        )
        timed("write", lambda: library.write("S0", frame))
        result = checksum(frame["values"].to_numpy())
    elif job == "arcticdb_read":
        import arcticdb

        library = timed(
            "open",
            lambda: arcticdb.Arctic(f"lmdb://{scratch}/lmdb").get_library("workload"),
        )
        frame = timed("read", lambda: library.read("S0").data)
        result = generated(n, frame["values"].to_numpy())
    elif job == "pyarrow_write":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = timed(
            "build",
            lambda: pa.table({"index": index(n), "values": values(n)}),
        )
        timed(
            "write",
            lambda: pq.write_table(
                table, f"{scratch}/raw.parquet", compression="lz4", use_dictionary=False
            ),
        )
        result = checksum(table["values"].to_numpy())
    elif job == "pyarrow_read":
        import pyarrow.dataset  # noqa: F401 (read_table imports it on first use)
        import pyarrow.parquet as pq

        table = timed("read", lambda: pq.read_table(f"{scratch}/raw.parquet"))
        result = generated(n, table["values"].to_numpy())
    else:
        raise SystemExit(f"unknown job {job!r}")
    print(
        json.dumps(
            {
                "job": job,
                "n": n,
                "phases": phases,
                "checksum": result,
                "bytes_on_disk": bytes_on_disk(scratch),
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
