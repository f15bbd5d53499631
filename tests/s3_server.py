"""A local S3 server for the tests: moto's server mode, on 127.0.0.1, that can stop and start serving.

`python -m tests.s3_server --port P` serves moto's S3 (and IAM, to make access keys) until SIGTERM.
SIGUSR1 stops serving: the port closes and open connections are cut, so clients see what they see
when a real S3 server goes down. SIGUSR2 serves again on the same port; SIGALRM dumps the threads' stacks
into the log. moto keeps its objects in this process's memory, so they survive a stop and start, as a real
server's disk would.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import signal
import socket
import sys
import threading
import time

from werkzeug.serving import BaseWSGIServer, make_server

OPEN_CONNECTIONS: set[socket.socket] = set()


def _handler_class():
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class TrackedHandler(MotoRequestHandler):
        """Remembers its connection so that a stop can cut it (keep-alive would outlive the listener)."""

        def setup(self) -> None:
            super().setup()
            OPEN_CONNECTIONS.add(self.connection)

        def finish(self) -> None:
            OPEN_CONNECTIONS.discard(self.connection)
            super().finish()

    return TrackedHandler


def serve(host: str, port: int) -> tuple[BaseWSGIServer, threading.Thread]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, app, threaded=True, request_handler=_handler_class())
    # A stop must not wait for the handler threads: they hold keep-alive connections until the cut below.
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop_serving(server: BaseWSGIServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    for connection in list(OPEN_CONNECTIONS):
        with contextlib.suppress(OSError):  # closed already
            connection.shutdown(socket.SHUT_RDWR)
    thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    wanted: list[str] = []

    def ask(action: str):
        # Only a list append: a handler that took a lock could deadlock against the main thread holding it.
        def handler(_signum, _frame) -> None:
            wanted.append(action)

        return handler

    # SIGALRM prints every thread's stack to the log, from C: it works even when the main thread is stuck.
    faulthandler.register(signal.SIGALRM, file=sys.stdout, all_threads=True)
    signal.signal(signal.SIGUSR1, ask("stop"))
    signal.signal(signal.SIGUSR2, ask("start"))
    signal.signal(signal.SIGTERM, ask("exit"))
    running: tuple[BaseWSGIServer, threading.Thread] | None = serve(options.host, options.port)
    print(f"serving S3 on http://{options.host}:{options.port}", flush=True)
    while True:
        # Polled, not a blocking wait: a signal the kernel hands to a handler thread does not wake a blocked lock.
        time.sleep(0.05)
        while wanted:
            action = wanted.pop(0)
            if action in ("stop", "exit") and running is not None:
                stop_serving(*running)
                running = None
                print("stopped serving", flush=True)
            if action == "start" and running is None:
                running = serve(options.host, options.port)
                print("serving again", flush=True)
            if action == "exit":
                return


if __name__ == "__main__":
    main()
