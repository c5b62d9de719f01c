# An event receiver as a workflow team writes one with Python's standard library: http.server's default
# handler speaks HTTP/1.0, sends no Content-Length and ends each answer by closing the connection.
# Prints its port on the first line, then appends each request's body as one line to the file named by its
# first argument. One request at a time (HTTPServer, as in the http.server documentation's example).
import http.server
import sys

RECORD = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(RECORD, "ab") as record:
            record.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"received\n")

    def log_message(self, format, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
