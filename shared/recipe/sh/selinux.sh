# shellcheck shell=sh
# Step 'SELinux' (EL): file contexts and ports from Indico's EL guide, and the module the renderer
# puts at the slot. INSTALL_DIR_REGEX is the install dir as an extended regular expression.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'SELinux'
if [ "$OS_FAMILY" = el ] && command -v getenforce >/dev/null 2>&1 && [ "$(getenforce)" != Disabled ]; then
  for spec in "httpd_sys_rw_content_t $INSTALL_DIR_REGEX/web/uwsgi\\.sock" "httpd_log_t $INSTALL_DIR_REGEX/log/$WEB_LOG_DIR(/.*)?"; do
    selinux_type=${spec%% *}
    selinux_path=${spec#* }
    if ! semanage fcontext -l -C | grep -qF "$selinux_path "; then
      semanage fcontext -a -t "$selinux_type" "$selinux_path"
      note "file context $selinux_type for $selinux_path"
    fi
  done
  for port in "$HTTP_PORT" "$HTTPS_PORT"; do
    if ! semanage port -l | awk '$1 == "http_port_t" && $2 == "tcp"' | tr -s ', ' '\n' | grep -qxF "$port"; then
      semanage port -a -t http_port_t -p tcp "$port" 2>/dev/null || semanage port -m -t http_port_t -p tcp "$port"
      note "allowed the web server on port $port"
    fi
  done
#@ module
  if changed "$SELINUX_MODULE" || ! semodule -l | grep -qxF indicovm; then
    semodule -i "$SELINUX_MODULE"
    note "loaded SELinux module indicovm"
  fi
  restorecon -R "$INSTALL_DIR" "$SSL_DIR"
  note "SELinux stays $(getenforce)"
else
  note "not an SELinux system: nothing to do"
fi
