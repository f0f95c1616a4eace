"""A local Cloud Scheduler emulator speaking the Cloud Scheduler v1 REST API.

Run it with ``python -m emulators.scheduler --port 8090 --state .local/scheduler/jobs.json``.
"""
