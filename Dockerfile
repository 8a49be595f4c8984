# One image for the web server, the Celery worker and beat (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=clinic.settings.production

RUN useradd --create-home --uid 1000 clinic
WORKDIR /app

# Only what the app needs: never .venv/, var/, .git/ or a .env holding secrets.
COPY pyproject.toml README.md manage.py ./
COPY clinic/ clinic/
COPY intake/ intake/
COPY followup/ followup/
COPY templates/ templates/
COPY static/ static/
# Editable, so the code runs from /app, beside the templates/ and static/ that settings find.
RUN pip install --editable .

# var/ is the one place the app writes: collected static files and beat's schedule.
RUN mkdir var && chown clinic:clinic var
USER clinic
# Build-time stand-ins: settings need a secret key, an email URL and a database URL to load;
# none is used.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret EMAIL_URL=smtp://localhost:25 \
    DATABASE_URL=postgres://build-only@localhost/unused \
    python manage.py collectstatic --noinput

EXPOSE 8000
# The access log omits query strings (clinic/gunicorn.py).
CMD ["gunicorn", "clinic.wsgi", "--config", "python:clinic.gunicorn", "--bind", "0.0.0.0:8000"]
