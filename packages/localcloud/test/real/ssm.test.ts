// tier: e2e
// Run Command on a real instance: AWS-RunShellScript's commands run by `sh` as root inside the
// instance's sandbox, in the command's orchestration directory (or the document's
// workingDirectory), with stdout, stderr and the exit code as GetCommandInvocation reports them; a
// script past its executionTimeout is killed, whole process group, and the invocation TimedOut.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as ssm from '@aws-sdk/client-ssm';
import { checkConfinement } from '../../src/sandbox/confinement.js';
import { clientConfig, until } from '../harness.js';
import { realWorld, SEMANTICS_SANDBOX, startRealCloud, type RealTestCloud } from './real-cloud.js';

const confinement = checkConfinement();

for (const backend of SEMANTICS_SANDBOX) {
  describe(
    `SSM Run Command on a real instance (${backend})`,
    { skip: confinement.ok ? false : `no sandboxes here: ${confinement.reason}` },
    () => {
      let tc: RealTestCloud;
      let client: ssm.SSMClient;
      let instanceId = '';

      before(async () => {
        tc = await startRealCloud(realWorld({ instances: 1 }), backend);
        client = new ssm.SSMClient({ ...clientConfig(tc.lc.url), maxAttempts: 1 });
        instanceId = tc.lc.cloud.region('us-east-1').ec2.all()[0]?.instanceId ?? '';
        await tc.lc.cloud.instances.get(instanceId)?.ready();
      });
      after(async () => {
        client?.destroy();
        await tc?.close();
      });

      async function run(commands: string[], parameters: Record<string, string[]> = {}) {
        const sent = await client.send(
          new ssm.SendCommandCommand({
            DocumentName: 'AWS-RunShellScript',
            InstanceIds: [instanceId],
            Parameters: { commands, ...parameters },
          }),
        );
        const commandId = sent.Command?.CommandId as string;
        return until(
          () =>
            client
              .send(new ssm.GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }))
              .catch(() => undefined),
          (out) => out !== undefined && !['Pending', 'InProgress'].includes(out.Status ?? ''),
          `command ${commandId}`,
          '30s',
        ) as Promise<ssm.GetCommandInvocationCommandOutput>;
      }

      it('runs the commands as root in the instance, in the orchestration directory: output and exit code', async () => {
        const out = await run(['id -u', 'hostname', 'pwd', 'echo to stderr >&2', 'exit 4']);
        assert.equal(out.Status, 'Failed');
        assert.equal(out.ResponseCode, 4);
        const ip = tc.lc.cloud.region('us-east-1').ec2.get(instanceId)?.privateIpAddress ?? '';
        assert.deepEqual(out.StandardOutputContent?.split('\n'), [
          '0',
          `ip-${ip.replace(/\./g, '-')}`,
          `/var/lib/amazon/ssm/${instanceId}/document/orchestration/${out.CommandId}/awsrunShellScript/0.awsrunShellScript`,
          '',
        ]);
        assert.equal(out.StandardErrorContent, 'to stderr\n');
        // The instance kept the script and its output where the agent keeps them.
        const kept = await tc.lc.cloud.instances
          .get(instanceId)
          ?.exec([
            'cat',
            `/var/lib/amazon/ssm/${instanceId}/document/orchestration/${out.CommandId}/awsrunShellScript/0.awsrunShellScript/_script.sh`,
          ]);
        assert.equal(kept?.stdout, 'id -u\nhostname\npwd\necho to stderr >&2\nexit 4\n');
      });

      it('a workingDirectory is where the script runs; a success is Success with 0', async () => {
        const out = await run(['pwd'], { workingDirectory: ['/tmp'] });
        assert.equal(out.Status, 'Success');
        assert.equal(out.ResponseCode, 0);
        assert.equal(out.StandardOutputContent, '/tmp\n');
      });

      it('past its executionTimeout the script is killed with what it started: TimedOut, ExecutionTimedOut', async () => {
        const out = await run(['sleep 300 & sleep 300'], { executionTimeout: ['1'] });
        assert.equal(out.Status, 'TimedOut');
        assert.equal(out.StatusDetails, 'ExecutionTimedOut');
        const left = await tc.lc.cloud.instances
          .get(instanceId)
          ?.exec(['sh', '-c', 'pgrep -x sleep || true']);
        assert.equal(left?.stdout.trim(), '');
      });
    },
  );
}
