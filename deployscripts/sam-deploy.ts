// CircleCI's sam_deploy job: the stack of one greenlight.yml environment — `greenlight sam deploy`, same
// flags, same exit codes (0 deployed or already up to date, 1 sam failed, 2 bad input).
// Usage: node --import tsx deployscripts/sam-deploy.ts --env dev --parameter VpcId=vpc-… [--role-arn ARN] [--dry-run]
// It runs bin/greenlight.js: the built CLI when the build is of the sources as they are, else the sources.
process.argv.splice(2, 0, 'sam', 'deploy');
await import(new URL('../bin/greenlight.js', import.meta.url).href);
