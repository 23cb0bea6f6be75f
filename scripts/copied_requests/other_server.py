"""Another origin (127.0.0.1:47199) for the scenario `other-origin`: it answers everything 200 with permissive CORS
 headers, so that the browser sends the request itself and DevTools has all of its headers to copy."""
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def cors(self):
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin", "*"))
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", "*"))
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
    def any(self):
        n = int(self.headers.get("Content-Length", 0) or 0)
        self.rfile.read(n)
        self.send_response(200 if self.command != "OPTIONS" else 204)
        self.cors()
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "OPTIONS":
            self.wfile.write(b"ok")
    do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = any
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", 47199), H).serve_forever()
