// CircleCI's sam_deploy job: the stack of one greenlight.yml environment — `greenlight sam deploy`, same
// flags, same exit codes (0 deployed or already up to date, 1 sam failed, 2 bad input).
// Usage: node --import tsx deployscripts/sam-deploy.ts --env dev --parameter VpcId=vpc-… [--role-arn ARN] [--dry-run]
import { runAsProcess } from '../src/cli/process.js';

await runAsProcess(['sam', 'deploy', ...process.argv.slice(2)]);
