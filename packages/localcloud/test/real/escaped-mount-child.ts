// Run by escaped-mount.test.ts inside a mount namespace of its own: boots one unshare instance and
// prints, as JSON, what writing into each of the two test mounts ($SPACED, $PLAIN) said inside it.
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { realWorld, startRealCloud } from './real-cloud.js';

const tc = await startRealCloud(realWorld({ instances: 1 }), 'unshare');
try {
  const asg = await tc.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
  );
  const id = asg.AutoScalingGroups?.[0]?.Instances?.[0]?.InstanceId ?? '';
  const sandbox = tc.lc.cloud.instances.get(id);
  if (!sandbox) throw new Error(`no sandbox for ${id}`);
  const report: Record<string, string> = {};
  for (const dir of [process.env.SPACED ?? '', process.env.PLAIN ?? '']) {
    const r = await sandbox.exec(['/bin/sh', '-c', 'touch "$1/f" 2>&1 && echo written', 'sh', dir]);
    report[dir] = `${r.stdout}${r.stderr}`.trim();
  }
  // Each mount point's options as the sandbox sees them: the flags it kept through the remount.
  const mountinfo = (await sandbox.exec(['cat', '/proc/self/mountinfo'])).stdout;
  for (const line of mountinfo.split('\n')) {
    const [, , , , point = '', options = ''] = line.split(' ');
    const decoded = point.replace(/\\(\d{3})/g, (_, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    if (decoded === process.env.SPACED) report.options = options;
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await tc.close();
}
