# One image for the web server, the Celery worker and beat (see docker-compose.yml).
# The base image by digest (python:3.12-slim, linux/amd64 and arm64 index), so a rebuild gets
# the same image; bump it on purpose: `docker pull python:3.12-slim`, then
# `docker images --digests python`.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=clinic.settings.production \
    PYTHONPATH=/app

RUN useradd --create-home --uid 1000 clinic
WORKDIR /app

# Runtime dependencies exactly as locked (`make lock`): every file checked against its hash,
# nothing resolved at build time. The app itself runs from /app (PYTHONPATH), not installed.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps --only-binary :all: -r requirements.lock

# Only what the app needs: never .venv/, var/, .git/ or a .env holding secrets.
COPY manage.py ./
COPY clinic/ clinic/
COPY intake/ intake/
COPY followup/ followup/
COPY templates/ templates/
COPY static/ static/
# var/ is the one place the app writes: collected static files and beat's schedule.
RUN mkdir var && chown clinic:clinic var
USER clinic
# Build-time stand-ins: settings need a secret key, an email URL and a database URL to load;
# none is used.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret EMAIL_URL=smtp://localhost:25 \
    DATABASE_URL=postgres://build-only@localhost/unused \
    python manage.py collectstatic --noinput

EXPOSE 8000
# The web server's health (the default command); docker-compose.yml gives the worker
# (`celery inspect ping`) and beat (`manage.py beat_health`) their own.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "clinic.healthcheck"]
# The access log omits query strings (clinic/gunicorn.py).
CMD ["gunicorn", "clinic.wsgi", "--config", "python:clinic.gunicorn", "--bind", "0.0.0.0:8000"]
