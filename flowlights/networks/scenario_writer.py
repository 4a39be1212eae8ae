"""Write a runnable scenario folder: net, routes and a .sumocfg naming them."""

from __future__ import annotations

import shutil
from pathlib import Path

from flowlights.networks.demand import InFlows


def write_scenario(
    folder: Path,
    name: str,
    net_file: Path,
    demand: InFlows,
    begin: float = 0.0,
    end: float = 3600.0,
    file_stem: str | None = None,
) -> Path:
    """Copy ``net_file`` into ``folder``, write the demand and ``<name>.sumocfg``; return the cfg path.
    Net and route files are named ``<file_stem>.net.xml`` / ``.rou.xml`` (default: ``name``)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem or name
    net = folder / f"{stem}.net.xml"
    if Path(net_file).resolve() != net.resolve():
        shutil.copyfile(net_file, net)
    routes = demand.write(folder / f"{stem}.rou.xml")
    cfg = folder / f"{name}.sumocfg"
    cfg.write_text(
        "<configuration>\n  <input>\n"
        f'    <net-file value="{net.name}"/>\n    <route-files value="{routes.name}"/>\n'
        "  </input>\n  <time>\n"
        f'    <begin value="{begin:g}"/>\n    <end value="{end:g}"/>\n'
        "  </time>\n</configuration>\n"
    )
    return cfg
