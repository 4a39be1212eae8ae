"""The max-pressure agent of ../max_pressure, here reading this folder's custom observations (written for
flowlights' tests; the same 24 lane counts, computed by CBEngine_round3 from self.eng)."""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "max_pressure_agent", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "max_pressure", "agent.py"))
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

agent_specs = {'test': _module.MaxPressureAgent()}
