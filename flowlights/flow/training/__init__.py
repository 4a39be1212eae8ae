"""Training Flow's way: which env and network classes a ``flow_params`` names, Flow's old-stack policy
names read as Flow meant them, and Flow's trained policies for its rollouts."""
