"""{{app}}: written by greenlight init because {{entry}} did not exist.

It keeps the contract the hooks rely on (hooks/README.md, "What the app must do"); grow it into your
app, or replace it with yours and keep the contract.

Environment (systemd reads it from {{envDir}}/env, which the AfterInstall hook writes):
  APP_VERSION  the deployed revision (the Git commit, or the bundle's REVISION file)
  HOST, PORT   where to listen: the instance's private IP and {{port}}
  DRAIN_FILE   while it exists, {{healthPath}} answers 503 so the load balancer stops sending requests
"""

import json
import os
import signal
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("APP_VERSION") or "unknown"
HOST = os.environ.get("HOST") or "127.0.0.1"
PORT = int(os.environ.get("PORT") or "{{port}}")
DRAIN_FILE = os.environ.get("DRAIN_FILE") or "{{runDir}}/draining"

in_flight = 0
in_flight_lock = threading.Lock()
stopping = threading.Event()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global in_flight
        with in_flight_lock:
            in_flight += 1
        try:
            self.answer()
        finally:
            with in_flight_lock:
                in_flight -= 1

    def answer(self):
        path = self.path.split("?", 1)[0]
        if path == "{{healthPath}}":
            now = datetime.now(timezone.utc).isoformat()
            if stopping.is_set() or os.path.exists(DRAIN_FILE):
                # Draining: 503, and how many requests besides this one are still in flight.
                with in_flight_lock:
                    others = in_flight - 1
                self.send(503, {"status": "fail", "version": VERSION, "datetime": now, "inFlight": others})
            else:
                self.send(200, {"status": "pass", "version": VERSION, "datetime": now})
        elif path == "/":
            self.send(200, {"app": "{{app}}", "version": VERSION})
        else:
            self.send(404, {"error": "no such page: " + path})

    def send(self, status, body):
        # Compact JSON: the hooks read "status":"pass" and "version":"..." with a pattern.
        data = (json.dumps(body, separators=(",", ":")) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    # Requests in flight finish before the process ends (shutdown waits for the serving loop).
    server.daemon_threads = False

    def stop(signum, _frame):
        stopping.set()
        print("{{app}}: signal %d, finishing requests in flight" % signum, flush=True)
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("{{app}}: listening on http://%s:%d (version %s)" % (HOST, PORT, VERSION), flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
