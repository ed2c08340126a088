# shellcheck shell=sh
# Step 'TLS certificate': the folder; the renderer puts the DH parameters and a given certificate
# (or a note on the self-signed one) at the slot.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'TLS certificate'
mkdir -p "$SSL_DIR"
chown root:root "$SSL_DIR"
chmod 700 "$SSL_DIR"
#@ files
