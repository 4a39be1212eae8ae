"""Results folders are code: loading one may import its ``config_module``, dotted classes it names, and
unpickle its RLlib checkpoints. A folder this machine's ``flowlights train`` wrote is trusted (recorded
when it wrote ``params.json``, by the folder's path and that file's hash); any other folder that would
run code is refused until the user says so (``--trust-code``, or ``FLOWLIGHTS_TRUST_CODE=1``), before
anything in it runs."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from flowlights.errors import ConfigError

TRUST_VARIABLE = "FLOWLIGHTS_TRUST_CODE"


def registry_dir() -> Path:
    """Where the folders this machine trained are recorded (``FLOWLIGHTS_TRUST_DIR`` overrides it)."""
    base = os.environ.get("FLOWLIGHTS_TRUST_DIR")
    return Path(base) if base else Path.home() / ".cache" / "flowlights" / "trusted-runs"


def _entry(run_dir: Path) -> Path:
    return registry_dir() / (hashlib.sha256(str(Path(run_dir).resolve()).encode()).hexdigest()[:32] + ".json")


def _digest(params_file: Path) -> str:
    return hashlib.sha256(params_file.read_bytes()).hexdigest()


def mark_trusted(run_dir: Path) -> None:
    """Record that flowlights wrote ``run_dir`` here (call right after writing its params.json)."""
    entry = _entry(run_dir)
    entry.parent.mkdir(parents=True, exist_ok=True)
    record = {"run": str(Path(run_dir).resolve()), "params_sha256": _digest(Path(run_dir) / "params.json")}
    entry.write_text(json.dumps(record))


def trust_code_allowed() -> bool:
    """The user said to trust results folders' code (``--trust-code`` sets the variable for every process)."""
    return os.environ.get(TRUST_VARIABLE, "") == "1"


def allow_trusted_code() -> None:
    """What ``--trust-code`` does: trust, in this process and the workers it starts."""
    os.environ[TRUST_VARIABLE] = "1"


def written_here(run_dir: Path) -> bool:
    entry, params = _entry(run_dir), Path(run_dir) / "params.json"
    try:
        return json.loads(entry.read_text())["params_sha256"] == _digest(params)
    except (OSError, ValueError, KeyError):
        return False


def code_it_runs(run_dir: Path, params: dict[str, Any]) -> list[str]:
    """What loading this results folder would run: its config module, classes outside flowlights, checkpoints."""
    out = []
    if params.get("config_module"):
        out.append(f"its config_module {params['config_module']!r} (a Python file, imported)")
    for key in ("env_name", "network"):
        value = params.get(key)
        if isinstance(value, str) and "." in value and not value.startswith("flowlights."):
            out.append(f"its {key} {value!r} (a class imported from outside flowlights)")
    if (Path(run_dir) / "checkpoints").is_dir():
        out.append("its RLlib checkpoints (unpickled on load)")
    return out


def require_trust(run_dir: Path, params: dict[str, Any]) -> None:
    """Refuse a results folder that would run code, unless this machine wrote it or the user trusts it."""
    needs = code_it_runs(run_dir, params)
    if not needs or trust_code_allowed() or written_here(run_dir):
        return
    raise ConfigError(
        f"{str(run_dir)!r} was not written by flowlights train on this machine (or its params.json changed "
        f"since), and loading it runs code: {'; '.join(needs)}. Nothing in it ran. If you trust where it came "
        f"from, run again with --trust-code ({TRUST_VARIABLE}=1 from Python)."
    )
