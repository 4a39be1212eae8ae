"""A KDD-Cup-style fixed-time agent (written for flowlights' tests): phases 1..8 in turn, 3 steps each."""
import gym  # noqa: F401  - as the competition's agents do


class FixedCycleAgent():
    def __init__(self):
        self.agent_list = []
        self.phase = {}
        self.changed_at = {}
        self.steps_per_phase = 3

    def load_agent_list(self, agent_list):
        self.agent_list = agent_list
        self.phase = dict.fromkeys(agent_list, 1)
        self.changed_at = dict.fromkeys(agent_list, 0)

    def load_roadnet(self, intersections, roads, agents):
        self.intersections, self.roads, self.agents = intersections, roads, agents

    def act(self, obs):
        step = obs['info']['step']
        actions = {}
        for agent in self.agent_list:
            if step - self.changed_at[agent] >= self.steps_per_phase:
                self.phase[agent] = self.phase[agent] % 8 + 1
                self.changed_at[agent] = step
            actions[agent] = self.phase[agent]
        return actions


agent_specs = {'test': FixedCycleAgent()}
