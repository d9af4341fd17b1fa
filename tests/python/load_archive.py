"""Loads an archive written by meteaudata for Rust with meteaudata 0.12.1 for Python and prints
what it found as JSON: usage `python load_archive.py <archive.zip> <dataset name>`."""

import json
import math
import sys

from meteaudata import Dataset


def number(value):
    value = float(value)
    return None if math.isnan(value) else value


def main(path, name):
    dataset = Dataset.load(path, name)
    out = {"name": dataset.name, "project": dataset.project, "signals": {}}
    for signal_name, signal in dataset.signals.items():
        series = {}
        for ts_name, ts in signal.time_series.items():
            series[ts_name] = {
                "length": len(ts.series),
                "values": [number(v) for v in ts.series.to_numpy()],
                "index": [str(i) for i in ts.series.index],
                "index_type": ts.index_metadata.type if ts.index_metadata else None,
                "steps": [
                    {"function": s.function_info.name, "inputs": list(s.input_series_names), "type": s.type.value}
                    for s in ts.processing_steps
                ],
            }
        out["signals"][signal_name] = {"units": signal.units, "time_series": series}
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
