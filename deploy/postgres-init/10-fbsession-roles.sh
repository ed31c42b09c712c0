#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume:
# the owner and service roles of docs/ROLES.md and the schema the owner
# migrates. The migrate service of docker-compose.yml then creates the
# tables as the owner and grants the service role exactly what fbsessiond
# needs; fbsessiond connects as the service role, which can append to the
# log but never change it.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$FBSESSION_DB_OWNER_PASSWORD" \
  -v service_password="$FBSESSION_DB_SERVICE_PASSWORD" <<'SQL'
CREATE ROLE fbsession_owner LOGIN PASSWORD :'owner_password';
-- Not a member of fbsession_owner: it must not own, alter or truncate.
CREATE ROLE fbsession_service LOGIN PASSWORD :'service_password';
CREATE SCHEMA fbsession AUTHORIZATION fbsession_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER ROLE fbsession_owner SET search_path = fbsession;
ALTER ROLE fbsession_service SET search_path = fbsession;
SQL
