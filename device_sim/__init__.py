"""Simulators of the gym's sensors: machine-use sensors and room thermometers."""
