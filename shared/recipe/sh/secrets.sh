# shellcheck shell=sh
# Step 'Per-instance secrets': the first-boot script, run once now.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154

step 'Per-instance secrets'
# The same logic as indicovm-firstboot.service: on a first run it generates this instance's secrets
# (and writes the stamp, so the unit does not repeat it on the next boot); on later runs it only
# re-renders the configs from the stored secrets. Sealing an image deletes the stamp.
if [ -e "$STAMP" ]; then
  "$FIRSTBOOT_SCRIPT" apply
else
  "$FIRSTBOOT_SCRIPT" regenerate
fi
