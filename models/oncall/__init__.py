"""On call: rotations, their rules over time, overrides and cover requests."""
