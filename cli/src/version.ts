// Kept in step with package.json by scripts/gen-metadata.ts.
export const VERSION = '0.1.0';
