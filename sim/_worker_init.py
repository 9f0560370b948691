"""Imported only by the fork server of :mod:`sim.runner`, before it forks any worker.

Importing it makes the fork server's processes ignore SIGINT from their first instruction: the fork
server hands its own SIGINT disposition to every process it forks, and a Ctrl-C that reached a worker
while it was still starting would otherwise print a KeyboardInterrupt traceback. Ctrl-C is the parent's
business; it stops the workers itself.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
