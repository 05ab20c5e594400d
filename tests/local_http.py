"""An HTTP server on 127.0.0.1 for the downloader's tests, stopped whatever happens."""
import contextlib
import http.server
import threading


@contextlib.contextmanager
def serving(handler):
    """Serve ``handler`` (a BaseHTTPRequestHandler class) on a free port; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
