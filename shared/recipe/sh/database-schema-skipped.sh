# shellcheck shell=sh
# Step 'Database schema' with install-indico: false.

step 'Database schema'
loud 'SKIPPED: "indico db prepare" (install-indico is false).'
