"""An offline production host: the wheelhouse built by scripts/wheelhouse installs into a fresh
environment with no index, no network and no compiler (wheels only), and the leaktui it installs
opens a snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "snapshots_sample" / "unbounded-cache" / "unbounded-cache-1.heapsnapshot.gz"


def test_wheelhouse_installs_offline_without_a_compiler_and_reports_on_a_snapshot(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheelhouse"
    built = subprocess.run([str(ROOT / "scripts" / "wheelhouse"), str(wheels)],
                           env={**os.environ, "PYTHON": sys.executable},
                           capture_output=True, text=True, timeout=1200)
    assert built.returncode == 0, built.stderr[-3000:]
    names = sorted(p.name for p in wheels.glob("*.whl"))
    assert any(n.startswith("leaktui-") for n in names), names
    assert not list(wheels.glob("*.tar.gz")), "a dependency came as source, not a wheel"

    env_dir = tmp_path / "host"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip"]
    # The host knows nothing of this machine: not its pip configuration (indexes, find-links;
    # --isolated ignores its files too) nor a PYTHONPATH that would make this source tree look
    # installed already.
    host = {k: v for k, v in os.environ.items()
            if not k.startswith("PIP_") and k != "PYTHONPATH"}
    installed = subprocess.run(
        [*pip, "install", "--isolated", "--no-index", "--only-binary", ":all:",
         "--find-links", str(wheels), "leaktui"],
        capture_output=True, text=True, timeout=600, env=host)
    assert installed.returncode == 0, installed.stderr[-3000:]

    report = subprocess.run([str(env_dir / "bin" / "leaktui"), "report", "--format", "json",
                             "--top", "3", str(SAMPLE)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env=host)
    assert report.returncode == 0, report.stderr[-3000:]
    doc = json.loads(report.stdout)
    (snap,) = doc["snapshots"]
    assert snap["node_count"] > 1000 and len(snap["classes"]) == 3
    # It ran from the wheel, with the kernels it brought, not from this source tree.
    where = subprocess.run([str(env_dir / "bin" / "python"), "-c",
                            "import leaktui.snapshot.kernels as k; print(k.__file__)"],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path, env=host)
    assert where.stdout.strip().startswith(str(env_dir)), where.stdout + where.stderr
