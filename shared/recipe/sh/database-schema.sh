# shellcheck shell=sh
# Step 'Database schema': indico db prepare, once.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Database schema'
if [ "$(as_postgres -d "$DB_NAME" -c "SELECT to_regclass('public.alembic_version') IS NOT NULL")" = t ]; then
  note "database $DB_NAME is already prepared"
else
  runuser -u "$INDICO_USER" -- env HOME="$INSTALL_DIR" INDICO_CONFIG="$INSTALL_DIR/etc/indico.conf" "$VENV/bin/indico" db prepare
  note "prepared database $DB_NAME"
fi
