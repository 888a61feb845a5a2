"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_BIND, ...). Run
several workers per machine and several machines behind the reverse proxy: sessions, rate limits and
live boards live in PostgreSQL and Redis, never in a worker's memory.
"""
import json
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that a slow leak can never take a machine down mid-contest. Not
# too often: at a contest's peak a worker serves ~150 requests/s, and each restart stalls requests
# for about a second while the new worker imports the app (5,000 gave a restart every ~30 s).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
preload_app = False

# Structured access log: one JSON object per request, like the application's own logs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = json.dumps({
    "ts": "%(t)s", "logger": "gunicorn.access", "ip": "%(h)s", "method": "%(m)s", "path": "%(U)s",
    "query": "%(q)s", "status": "%(s)s", "bytes": "%(B)s", "ms": "%(M)s", "agent": "%(a)s",
})


def post_worker_init(worker):
    """Once the worker has loaded the app, move everything allocated so far (modules, mappers,
    compiled templates and statements, ...) out of the garbage collector's reach (``gc.freeze``).
    A full collection then scans only what was allocated since: measured in the contest benchmark,
    full collections stalled a worker for 135–275 ms each; frozen, at most ~15 ms
    (docs/performance.md). Objects frozen are still freed by reference counting."""
    import gc

    gc.freeze()
