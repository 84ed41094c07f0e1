// CircleCI: verify every instance of a deployment — `greenlight verify`, same flags, same exit codes.
// Usage: node --import tsx deployscripts/verify-deployment.ts --env dev [DEPLOYMENT_ID] [--junit FILE] [--markdown FILE] [--html FILE] [--json]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'verify');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
