"""`python -m clinic.healthcheck [URL]`: the web container's health check (Dockerfile,
docker-compose.yml). Exit 0 when /healthz answers 200 (database and broker reachable), 1 if not.

It asks as the first of DJANGO_ALLOWED_HOSTS: Django refuses any other Host header. It needs no
Django settings, so it is cheap to run every 30 seconds.
"""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def healthy(url: str = DEFAULT_URL) -> bool:
    hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")
    host = hosts[0].strip().lstrip(".") or "localhost"
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 (http only)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(0 if healthy(*sys.argv[1:2]) else 1)
