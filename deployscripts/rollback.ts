// CircleCI: roll back to the last verified revision and verify it — `greenlight rollback`, same flags,
// same exit codes (5: rolled back and verified).
// Usage: node --import tsx deployscripts/rollback.ts --env dev [--to SHA] [--html FILE]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'rollback');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
