// CircleCI: a release — deploy, follow, verify, roll back, record (src/release.ts) — as `greenlight
// deploy` runs it: same flags, same exit codes.
// Usage: node --import tsx deployscripts/create-deployment.ts --env dev [--revision SHA] [--rollback-on-failure] [--html FILE]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'deploy');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
