// CircleCI: trade the job's OIDC token once for a session of the deploy role as long as the
// environment's longest deployment or bake — `greenlight assume-role`, same flags, same exit codes;
// its output is `export` lines for BASH_ENV.
// Usage: node --import tsx deployscripts/assume-role.ts --env dev >> "$BASH_ENV"
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'assume-role');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
