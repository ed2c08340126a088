# shellcheck shell=sh
# Step 'PostgreSQL': the cluster, a password rule for Indico over 127.0.0.1, its role, database and
# extensions. The DB_*_LITERAL and DB_*_IDENTIFIER variables are SQL, escaped by the renderer.
# The renderer puts the role's given password (a here-document) at the slot.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'PostgreSQL'
if [ "$OS_FAMILY" = el ] && [ ! -s /var/lib/pgsql/data/PG_VERSION ]; then
  postgresql-setup --initdb
fi
start_service "$PG_SERVICE"
tries=0
until as_postgres -c 'SELECT 1' >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || die "PostgreSQL did not answer within 60 s"
  sleep 1
done
# Indico connects over TCP to 127.0.0.1 with a password; put its rule before the distribution's
# (EL's default for 127.0.0.1 is ident, which a password cannot pass).
HBA_FILE=$(as_postgres -c 'SHOW hba_file')
hba_v4="host $DB_NAME $DB_USER 127.0.0.1/32 scram-sha-256"
hba_v6="host $DB_NAME $DB_USER ::1/128 scram-sha-256"
if ! grep -qxF "$hba_v4" "$HBA_FILE"; then
  hba_tmp=$(mktemp "$HBA_FILE.indicovm.XXXXXX")
  { printf '%s\n' '# Indico (indicovm)' "$hba_v4" "$hba_v6"; cat "$HBA_FILE"; } > "$hba_tmp"
  chown postgres:postgres "$hba_tmp"
  chmod 640 "$hba_tmp"
  mv -f "$hba_tmp" "$HBA_FILE"
  as_postgres -c 'SELECT pg_reload_conf()' >/dev/null
  note "allowed $DB_USER to reach $DB_NAME over 127.0.0.1 with a password"
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = $DB_USER_LITERAL")" != 1 ]; then
  as_postgres -c "CREATE ROLE $DB_USER_IDENTIFIER LOGIN" >/dev/null
  note "created role $DB_USER"
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = $DB_NAME_LITERAL")" != 1 ]; then
  as_postgres -c "CREATE DATABASE $DB_NAME_IDENTIFIER OWNER $DB_USER_IDENTIFIER" >/dev/null
  note "created database $DB_NAME"
fi
for extension in unaccent pg_trgm; do
  if [ "$(as_postgres -d "$DB_NAME" -c "SELECT 1 FROM pg_extension WHERE extname = '$extension'")" != 1 ]; then
    as_postgres -d "$DB_NAME" -c "CREATE EXTENSION $extension" >/dev/null
    note "created extension $extension"
  fi
done
#@ given-password
