"""A user's .sumocfg runs as SUMO would run it (-c): its own options apply, flowlights overrides only
the window, seed, step length, its outputs and what the user asks for."""

from __future__ import annotations

from pathlib import Path

import flowlights
from flowlights.networks.network_file import BUNDLED_DIR
from flowlights.networks.topology import read_net


def write_scenario(folder: Path) -> Path:
    net = BUNDLED_DIR / "grid2x2" / "grid2x2-flowlights.net.xml"
    topo = read_net(net)
    fringe = sorted(
        j
        for j, kind in topo.junction_types.items()
        if "traffic_light" not in kind and kind != "internal" and any(f == j for f, _ in topo.edge_ends.values())
    )
    (folder / "trips.rou.xml").write_text(
        f'<routes>\n  <flow id="taz" fromJunction="{fringe[0]}" toJunction="{fringe[-1]}" begin="0" end="200" '
        f'number="20" type="slow"/>\n</routes>\n'
    )
    (folder / "types.add.xml").write_text(
        '<additional>\n  <vType id="slow" maxSpeed="3.5" color="red"/>\n</additional>\n'
    )
    cfg = folder / "user.sumocfg"
    cfg.write_text(f"""<configuration>
  <input>
    <net-file value="{net}"/>
    <route-files value="trips.rou.xml"/>
    <additional-files value="types.add.xml"/>
  </input>
  <time><begin value="0"/><end value="400"/></time>
  <processing><scale value="2"/></processing>
  <routing><junction-taz value="true"/></routing>
</configuration>
""")
    return cfg


def test_sumocfg_options_are_honoured(tmp_path):
    cfg = write_scenario(tmp_path)
    env = flowlights.parallel_env(sumocfg=str(cfg))
    assert env.sim.command(0)[1:3] == ["-c", str(cfg.resolve())]
    assert "--time-to-teleport" not in env.sim.command(0), "teleporting is the file's (or SUMO's) unless set"
    departed, speeds, types = set(), [], set()
    try:
        env.reset(seed=0)
        api = env.sim.api
        while env.agents:
            env.step({a: 0 for a in env.agents})
            for vid in api.vehicle.getIDList():
                departed.add(vid)
                speeds.append(api.vehicle.getSpeed(vid))
                types.add(api.vehicle.getTypeID(vid))
    finally:
        env.close()
    assert len(departed) == 40, "scale=2 in <processing> doubles the 20 vehicles of the junction-taz flow"
    assert types == {"slow"}, "the vType comes from the additional file the .sumocfg names"
    assert max(speeds) <= 3.5 + 1e-6


def test_user_settings_still_override(tmp_path):
    cfg = write_scenario(tmp_path)
    env = flowlights.parallel_env(sumocfg=str(cfg), end=120, time_to_teleport=-1, seed=7)
    cmd = env.sim.command(7)
    assert cmd[cmd.index("--end") + 1] == "120" and cmd[cmd.index("--time-to-teleport") + 1] == "-1"
    assert cmd[cmd.index("--seed") + 1] == "7"
    env.reset()
    try:
        while env.agents:
            env.step({})
        assert env.sim_seconds == 120
    finally:
        env.close()
