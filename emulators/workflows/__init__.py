"""A local Cloud Workflows emulator: the Workflows v1 and Executions v1 REST APIs.

The HTTP service is ours (stdlib only); each execution runs the ``workflows-emulator`` package's
interpreter in a child process of its own, so the emulator runs in the ``.venv-workflows`` venv
(that package pins an old fastapi the tools venv cannot share).
"""
