#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the version this
# admin-tools image carries, as Temporal's own compose setup does with temporal-sql-tool.
#
# Safe to run on every start: an existing database is kept, and update-schema applies only the
# versions it does not have yet. setup-schema runs only right after a database is created,
# because on an existing database it would reset the recorded schema version. If this job is
# ever killed between creating a database and setting up its schema, drop that (empty) database
# and start the job again.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
schema_root=/etc/temporal/schema/postgresql/v12

# The password travels in SQL_PASSWORD, which temporal-sql-tool reads, never on the command line.
sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

setup_database() {
  database=$1
  schema=$2
  if output=$(sql_tool --db "$database" create 2>&1); then
    echo "created database $database"
    sql_tool --db "$database" setup-schema -v 0.0
  else
    case $output in
      *"already exists"*) echo "database $database exists" ;;
      *) echo "$output" >&2; exit 1 ;;
    esac
  fi
  sql_tool --db "$database" update-schema -d "$schema_root/$schema/versioned"
}

setup_database temporal temporal
setup_database temporal_visibility visibility
echo "PostgreSQL schemas are up to date"
