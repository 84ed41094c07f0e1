// CLI cold start: `greenlight --help` through tsx (TypeScript sources) against the built CLI in
// dist/bundle/, plus the import cost of the SDK clients a deploy command pulls in.
// Run: npm run build && node --import tsx bench/cold-start.ts [runs]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { builtCliIsCurrent } from '../bin/built-cli.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const runs = Number(process.argv[2] ?? 15);
if (!builtCliIsCurrent(new URL('../', import.meta.url))) {
  console.error('the built CLI is missing or older than the sources: run `npm run build` first');
  process.exitCode = 2;
} else {
  const cases: { name: string; args: string[]; env?: Record<string, string> }[] = [
    { name: 'node (no-op baseline)', args: ['-e', '0'] },
    {
      name: 'greenlight --help (tsx, sources)',
      args: ['bin/greenlight.js', '--help'],
      env: { GREENLIGHT_FROM_SOURCE: '1' },
    },
    { name: 'greenlight --help (built CLI, dist/bundle/)', args: ['bin/greenlight.js', '--help'] },
    {
      name: 'import 4 SDK clients (codedeploy, autoscaling, elbv2, ec2)',
      args: [
        '--input-type=module',
        '-e',
        "await Promise.all(['@aws-sdk/client-codedeploy','@aws-sdk/client-auto-scaling','@aws-sdk/client-elastic-load-balancing-v2','@aws-sdk/client-ec2'].map((m) => import(m)))",
      ],
    },
  ];
  console.log(
    `# CLI cold start — ${runs} runs each, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
  );
  console.log('| case | median ms | min ms | max ms |');
  console.log('|---|---:|---:|---:|');
  for (const c of cases) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, c.args, {
        cwd: root,
        env: { ...process.env, ...c.env },
        stdio: 'ignore',
      });
      if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}`);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    console.log(
      `| ${c.name} | ${median.toFixed(0)} | ${times[0]?.toFixed(0)} | ${times.at(-1)?.toFixed(0)} |`,
    );
  }
}
