// tier: e2e
// The rehearsal's AWS CLI kept in one process and served on a Unix socket (src/rehearse/aws-cli.ts)
// answers as the CLI does as a process of its own: the same calls through both, against one local
// cloud, give the same JSON, the same exit code and the same error text — what the SAM CLI's
// stand-in reads (`does not exist`) included. A call's cwd is the caller's (file:// paths).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AWS_CLI_SOCKET_VARIABLE,
  AwsCliError,
  awsCli,
  startAwsCliService,
  type AwsCliService,
} from '../../src/rehearse/aws-cli.js';
import { devWorld, startCloud, type TestCloud } from '../support/cloud.js';

const DEBIAN_AWS = '/usr/bin/aws';

describe(
  "the rehearsal's AWS CLI in one process answers as the CLI in a process of its own",
  {
    skip:
      !existsSync(DEBIAN_AWS) && !process.env.CI && 'no /usr/bin/aws (Debian awscli); .ci/run installs it',
  },
  () => {
    let cloud: TestCloud;
    let dir: string;
    let service: AwsCliService;

    before(async () => {
      cloud = await startCloud({ world: devWorld(1) });
      dir = await mkdtemp(join(tmpdir(), 'greenlight-aws-cli-'));
      const started = await startAwsCliService(dir, {});
      assert.ok(started, 'the service starts where Debian’s AWS CLI is installed');
      service = started;
    });
    after(async () => {
      await service.close();
      await cloud.close();
      await rm(dir, { recursive: true, force: true });
    });

    const base = () => ({
      ...cloud.env,
      HOME: dir,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    const served = () =>
      awsCli({ endpoint: cloud.lc.url, env: { ...base(), [AWS_CLI_SOCKET_VARIABLE]: service.socketPath } });
    const processes = () =>
      awsCli({ endpoint: cloud.lc.url, env: { ...base(), GREENLIGHT_REHEARSAL_AWS_CLI: DEBIAN_AWS } });

    async function failure(call: Promise<unknown>): Promise<AwsCliError> {
      try {
        await call;
      } catch (error) {
        assert.ok(error instanceof AwsCliError, String(error));
        return error;
      }
      assert.fail('the call succeeded');
    }

    it('the same answers, the same failures', async () => {
      const identity = ['sts', 'get-caller-identity'];
      assert.deepEqual(await served().call(identity), await processes().call(identity));
      const groups = ['autoscaling', 'describe-auto-scaling-groups'];
      assert.deepEqual(await served().call(groups), await processes().call(groups));

      const missing = ['cloudformation', 'describe-stacks', '--stack-name', 'no-such-stack'];
      const [a, b] = [await failure(served().call(missing)), await failure(processes().call(missing))];
      assert.equal(a.code, b.code);
      assert.notEqual(a.code, 0);
      assert.match(a.stderr, /does not exist/);
      assert.equal(a.message, b.message);

      // The caller's environment wins: other credentials are another principal to the cloud.
      assert.equal(service.calls(), 3, 'the served calls went through the one process');
      const anonymous = await failure(
        served().call(identity, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }),
      );
      assert.match(anonymous.stderr, /credentials/i);
    });

    it("file:// paths are read from the caller's working directory", async () => {
      await writeFile(join(dir, 'template.yaml'), 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n');
      const here = process.cwd();
      process.chdir(dir);
      try {
        const summary = (await served().call([
          'cloudformation',
          'get-template-summary',
          '--template-body',
          'file://template.yaml',
        ])) as {
          ResourceTypes?: string[];
        };
        assert.deepEqual(summary.ResourceTypes, ['AWS::SNS::Topic']);
      } finally {
        process.chdir(here);
      }
    });
  },
);
