"""A worker process of the engine's worker pool (started by the engine, not by hand).

``convert`` starts these as ``sys.executable -c "...import diagram_convert._worker..."``
so the wheel needs no separate binary: the worker is the same native module as the
parent, speaking the engine's framed protocol on stdin and stdout.
"""

import signal
import sys


def main() -> None:
    # Ctrl-C reaches the whole process group; the parent decides (it cancels the job and
    # then closes the worker's stdin), so the worker ignores it rather than dying with a
    # traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from diagram_convert._native import worker_main

    sys.exit(worker_main())


if __name__ == "__main__":
    main()
