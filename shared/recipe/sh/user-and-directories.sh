# shellcheck shell=sh
# Step 'Indico user and directories': the Indico user and group and the install dir's folders.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Indico user and directories'
getent group "$INDICO_USER" >/dev/null || { groupadd --system "$INDICO_USER"; note "created group $INDICO_USER"; }
if ! id -u "$INDICO_USER" >/dev/null 2>&1; then
  useradd --system --gid "$INDICO_USER" --home-dir "$INSTALL_DIR" --no-create-home --shell /bin/bash "$INDICO_USER"
  note "created user $INDICO_USER"
fi
# The web server reads static files and the uWSGI socket through the Indico group.
if ! id -nG "$WEB_USER" | tr ' ' '\n' | grep -qxF "$INDICO_USER"; then
  usermod -a -G "$INDICO_USER" "$WEB_USER"
  note "added $WEB_USER to group $INDICO_USER"
fi
for dir in "$INSTALL_DIR" "$INSTALL_DIR/etc" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" \
  "$INSTALL_DIR/log/$WEB_LOG_DIR" "$INSTALL_DIR/tmp" "$INSTALL_DIR/web"; do
  [ -d "$dir" ] || { mkdir -p "$dir"; note "created $dir"; }
  chown "$INDICO_USER:$INDICO_USER" "$dir"
done
chmod 710 "$INSTALL_DIR" "$INSTALL_DIR/archive" "$INSTALL_DIR/cache" "$INSTALL_DIR/log" "$INSTALL_DIR/tmp"
# indico.conf holds the secrets: the web server, in Indico's group, must not enter etc (the guide's 700).
chmod 700 "$INSTALL_DIR/etc"
chmod 750 "$INSTALL_DIR/web"
chmod 770 "$INSTALL_DIR/log/$WEB_LOG_DIR"
