// CircleCI: create or reconcile the deployment group — `greenlight group apply`, same flags, same exit codes.
// Usage: node --import tsx deployscripts/create-deployment-group.ts --env dev [--clean-orphans]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'group', 'apply');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
