# The workflow service of the storm: an event receiver written with Python's standard library, whose answers
# are HTTP/1.0 without Content-Length, ended by closing the connection (http.server's default handler), one
# thread per connection so that a few hundred jobs can post at once. Prints its port on the first line, then
# appends one JSON line per request to the file named by its first argument: {"path": ..., "body": ...}.
import http.server
import json
import sys
import threading

RECORD = sys.argv[1]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        line = json.dumps({"path": self.path, "body": json.loads(body)}) + "\n"
        # One writer at a time: a line is never torn by another thread's.
        with lock, open(RECORD, "a", encoding="utf-8") as record:
            record.write(line)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"received\n")

    def log_message(self, format, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    # The default backlog (5) drops connections when hundreds of jobs post at once.
    request_queue_size = 256
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
