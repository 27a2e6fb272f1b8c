"""`leaktui preload-path`: where the Node metrics preload is, for `node -r "$(...)" app.js`."""

from __future__ import annotations

import argparse
from pathlib import Path

PRELOAD = Path(__file__).parent.parent / "metrics" / "preload.js"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ('Use: LEAKTUI_METRICS_FILE=mem.jsonl node -r "$(leaktui preload-path)" '
                     "app.js  (LEAKTUI_METRICS_INTERVAL_MS sets the interval, default 1000)")


def run(args: argparse.Namespace) -> int:
    print(PRELOAD.resolve())
    return 0
