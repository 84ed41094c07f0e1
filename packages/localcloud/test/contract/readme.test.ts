// tier: unit
// The README's list of emulated operations is the list the server implements: the table between the
// `emulated-operations` markers must equal the one rendered here from the service definitions (and,
// for S3, from its router). When it fails, the message holds the table to paste.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Cloud } from '../../src/cloud.js';
import { routeS3 } from '../../src/s3/handlers.js';
import { createServices } from '../../src/router.js';
import type { SigningName } from '../../src/service.js';

const README = new URL('../../README.md', import.meta.url);
const BEGIN = '<!-- emulated-operations:begin';
const END = '<!-- emulated-operations:end -->';

const services: Record<Exclude<SigningName, 's3'>, { title: string; protocol: string }> = {
  codedeploy: { title: 'CodeDeploy', protocol: 'JSON 1.1' },
  autoscaling: { title: 'Auto Scaling', protocol: 'query (XML)' },
  elasticloadbalancing: { title: 'Elastic Load Balancing v2', protocol: 'query (XML)' },
  ec2: { title: 'EC2', protocol: 'EC2 query (XML)' },
  monitoring: { title: 'CloudWatch', protocol: 'JSON 1.0 and query (XML)' },
  sts: { title: 'STS', protocol: 'query (XML)' },
  cloudformation: { title: 'CloudFormation', protocol: 'query (XML)' },
  iam: { title: 'IAM', protocol: 'query (XML)' },
  ssm: { title: 'Systems Manager', protocol: 'JSON 1.1' },
};

// Every request shape the S3 router names; an operation it can route is one the README must list.
const s3Requests: [method: string, path: string, search: string][] = [
  ['GET', '/', ''],
  ['PUT', '/bucket', ''],
  ['HEAD', '/bucket', ''],
  ['DELETE', '/bucket', ''],
  ['GET', '/bucket', 'location'],
  ['GET', '/bucket', 'versioning'],
  ['PUT', '/bucket', 'versioning'],
  ['GET', '/bucket', ''],
  ['GET', '/bucket', 'list-type=2'],
  ['PUT', '/bucket/key', ''],
  ['GET', '/bucket/key', ''],
  ['HEAD', '/bucket/key', ''],
  ['DELETE', '/bucket/key', ''],
];

function renderTable(): string {
  const definitions = createServices(new Cloud());
  // A service whose handler table is still empty is not emulated yet, and has no row.
  const rows = Object.entries(services).flatMap(([signingName, { title, protocol }]) => {
    const definition = definitions.find((d) => d.signingName === signingName);
    const operations = Object.keys(definition?.operations ?? {}).sort();
    if (operations.length === 0) return [];
    return [
      `| ${title} (\`${signingName}\`) | ${protocol} | ${operations.map((o) => `\`${o}\``).join(', ')} |`,
    ];
  });
  const s3 = [
    ...new Set(s3Requests.map(([method, path, search]) => routeS3(method, path, search).operation)),
  ];
  rows.push(
    `| S3 (\`s3\`) | REST, path style | ${s3
      .sort()
      .map((o) => `\`${o}\``)
      .join(', ')} |`,
  );
  return ['| service (signing name) | protocol | operations |', '|---|---|---|', ...rows].join('\n');
}

describe('README: the local cloud section', () => {
  it('lists exactly the operations the local cloud implements', () => {
    const text = readFileSync(README, 'utf8');
    const begin = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    assert.ok(begin >= 0 && end > begin, `README.md has no ${BEGIN} … ${END} block`);
    const block = text.slice(text.indexOf('\n', begin) + 1, end).trim();
    const expected = renderTable();
    assert.equal(block, expected, `README.md's operation table is stale; replace it with:\n${expected}`);
  });

  it('documents every control API endpoint and fault effect', () => {
    const text = readFileSync(README, 'utf8');
    for (const endpoint of [
      'GET /_localcloud/health',
      'POST /_localcloud/reset',
      'POST /_localcloud/world',
      'POST /_localcloud/faults',
      'GET /_localcloud/faults',
      'DELETE /_localcloud/faults',
      'GET /_localcloud/requests',
    ]) {
      assert.ok(text.includes(endpoint), `README.md does not document ${endpoint}`);
    }
    for (const effect of [
      'fail',
      'timeout',
      'hang',
      'agent-down',
      'terminate',
      'throttle',
      'error500',
      'reset',
      'delay',
    ]) {
      assert.ok(text.includes(`\`${effect}\``), `README.md does not document the fault effect ${effect}`);
    }
  });
});
