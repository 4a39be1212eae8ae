"""What a light sees and is rewarded for: the junction view, the observation and reward registries."""
