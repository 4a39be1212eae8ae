class gym_cfg():
    def __init__(self):
        self.cfg = {'observation_features': ['lane_speed', 'lane_vehicle_num']}
