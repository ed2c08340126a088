# shellcheck shell=sh
# The command line of the provisioning script: --detect-only, --help.
# SC2154: the rendered preamble (script.ts), library.sh and the steps before this one set what it
# reads; the check of the rendered script sees every assignment.
# shellcheck disable=SC2154
# SC2034: DETECT_ONLY is for the step 'Distribution'.
# shellcheck disable=SC2034

DETECT_ONLY=no
case "${1:-}" in
  '') ;;
  --detect-only) DETECT_ONLY=yes ;;
  -h | --help)
    sed -n '2,9p' "$0"
    exit 0
    ;;
  *) die "unknown argument '$1' (allowed: --detect-only, --help)" ;;
esac
