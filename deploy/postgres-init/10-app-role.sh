#!/bin/sh
# Runs once, when the postgres container first creates its data directory
# (docker-entrypoint-initdb.d). Makes the role web, worker and beat connect as: it can sign in
# and owns nothing. The tables belong to POSTGRES_USER, who runs the migrations; after each
# migrate, `manage.py grant_app_role` grants this role every table, and the audit trail read
# and insert only (docker-compose.yml's migrate service).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_user="$POSTGRES_APP_USER" -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
GRANT CONNECT ON DATABASE :"DBNAME" TO :"app_user";
SQL
