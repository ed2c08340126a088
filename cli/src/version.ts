// Kept in step with package.json by scripts/release.sh (and checked by the release workflow).
export const VERSION = '0.1.0';
