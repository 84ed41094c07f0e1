// CircleCI's sam_deploy job: deploys sam-template.yaml as the stack of one greenlight.yml environment.
//   node --import tsx deployscripts/sam-deploy.ts --env dev --parameter VpcId=vpc-… …
// Exit codes: 0 deployed or already up to date · 1 sam failed · 2 bad input.
import { runSamDeployCommand } from '../src/sam/command.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort(signal));

process.exitCode = await runSamDeployCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
