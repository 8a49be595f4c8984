"""gunicorn's settings: `gunicorn clinic.wsgi --config python:clinic.gunicorn` (Dockerfile,
docker-compose.yml).

The access log writes each request without its query string and without the referring page:
`%(U)s` is the path alone, where the default `%(r)s` is the whole request line. A URL's query
can carry what a person typed (the triage search keeps names out of URLs, see intake/search.py,
but a log must not depend on every page getting that right), and the referrer is another page's
full URL. Method, path, status, size and duration are what operating the service needs.
"""

accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
