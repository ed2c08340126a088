# shellcheck shell=sh
# Step 'Firewall': opens the two ports in the firewall the option names or (auto) finds active.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Firewall'
firewall_kind=$FIREWALL
if [ "$firewall_kind" = auto ]; then
  firewall_kind=none
  if [ "$OS_FAMILY" = el ]; then
    if command -v firewall-cmd >/dev/null 2>&1; then firewall_kind=firewalld; fi
  elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
    firewall_kind=ufw
  elif command -v nft >/dev/null 2>&1 && systemctl is-active --quiet nftables 2>/dev/null; then
    firewall_kind=nftables
  fi
fi
case "$firewall_kind" in
  firewalld)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      if systemctl is-active --quiet firewalld; then
        firewall-cmd --quiet --query-port="$port/tcp" --permanent || { firewall-cmd --quiet --permanent --add-port="$port/tcp"; note "opened $port/tcp"; }
        firewall-cmd --quiet --query-port="$port/tcp" || firewall-cmd --quiet --add-port="$port/tcp"
      else
        firewall-offline-cmd --quiet --query-port="$port/tcp" || { firewall-offline-cmd --quiet --add-port="$port/tcp"; note "opened $port/tcp (firewalld not running)"; }
      fi
    done
    ;;
  ufw)
    for port in "$HTTP_PORT" "$HTTPS_PORT"; do
      ufw status | grep -qE "^$port/tcp +ALLOW" || { ufw allow "$port/tcp" >/dev/null; note "opened $port/tcp"; }
    done
    ;;
  nftables)
    # A table of our own: it only accepts, so a drop policy elsewhere still decides the rest.
    put_file /etc/nftables.d/indicovm.nft 0644 root:root <<INDICOVM_EOF
table inet indicovm {
  chain input {
    type filter hook input priority -10; policy accept;
    tcp dport { $HTTP_PORT, $HTTPS_PORT } accept
  }
}
INDICOVM_EOF
    ensure_line /etc/nftables.conf 'include "/etc/nftables.d/indicovm.nft"'
    if changed /etc/nftables.d/indicovm.nft || ! nft list table inet indicovm >/dev/null 2>&1; then
      # Only our table is replaced; reloading all of /etc/nftables.conf would flush other rules.
      nft delete table inet indicovm 2>/dev/null || true
      nft -f /etc/nftables.d/indicovm.nft
      note "opened $HTTP_PORT/tcp and $HTTPS_PORT/tcp"
    fi
    ;;
  none) note "no active firewall to open: nothing to do" ;;
esac
