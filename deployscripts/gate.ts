// CircleCI: the promotion gate — `greenlight gate`, same flags, same exit codes (1: the bake failed,
// 5: failed and rolled back with --rollback-on-failure, 130/143: cancelled, nothing promoted).
// Usage: node --import tsx deployscripts/gate.ts --env dev --bake 10m [--smoke CMD] [--rollback-on-failure] [--html FILE]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'gate');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
