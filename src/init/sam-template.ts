import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../cli/package-root.js';
import type { Runtime } from './runtime.js';

// sam-template.yaml for a team's app: greenlight's own template (the package ships it), with the
// app's names, environments, port and health path. It is already written for any application
// (ApplicationName prefixes every resource name), so only what names the example app changes; each
// change must find its text exactly as often as expected, so a change of the template that this
// mapping has not caught up with fails here instead of writing half an adaptation.

export interface SamTemplateRequest {
  readonly app: string;
  /** In delivery order; the last is production (IsProd: only main's builds may assume its role). */
  readonly environments: readonly string[];
  readonly port: number;
  readonly healthPath: string;
  readonly runtime: Runtime;
  /** CircleCI context names, for the output that says where the deploy role goes. */
  readonly contexts: readonly string[];
}

export function readRepositorySamTemplate(): string {
  return readFileSync(join(packageRoot(import.meta.url), 'sam-template.yaml'), 'utf8');
}

export function adaptSamTemplate(template: string, request: SamTemplateRequest): string {
  const { app, environments } = request;
  const [first = ''] = environments;
  const production = environments.at(-1) ?? '';
  let text = template;
  const change = (from: string | RegExp, to: string, times = 1) => {
    const pattern =
      typeof from === 'string'
        ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g')
        : new RegExp(from.source, from.flags.includes('g') ? from.flags : `${from.flags}g`);
    const count = [...text.matchAll(pattern)].length;
    if (count !== times) {
      throw new Error(
        `sam-template.yaml has ${count} of ${String(from)} where greenlight init expects ${times}: src/init/sam-template.ts no longer matches the template`,
      );
    }
    text = typeof from === 'string' ? text.replace(pattern, () => to) : text.replace(pattern, to);
  };
  change(
    '# sam-template.yaml: the infrastructure of one greenlight environment of the example app `web`.',
    `# sam-template.yaml: the infrastructure of one greenlight environment of the app \`${app}\`, written by\n# greenlight init from greenlight's own template.`,
  );
  change(
    '`sam deploy --stack-name web-dev --parameter-overrides Environment=dev ...`',
    `\`sam deploy --stack-name ${app}-${first} --parameter-overrides Environment=${first} ...\``,
  );
  change('Description: greenlight example app - ', `Description: ${app} - `);
  change(/^( {2}ApplicationName:\n {4}Type: String\n {4}Default: )web$/m, `$1${app}`);
  change(
    /^( {2}Environment:\n {4}Type: String\n {4}Default: )dev\n( {4}AllowedValues: )\[dev, prod\]$/m,
    `$1${first}\n$2[${environments.join(', ')}]`,
  );
  change('IsProd: !Equals [!Ref Environment, prod]', `IsProd: !Equals [!Ref Environment, ${production}]`);
  change(/\b8000\b/g, String(request.port), 6);
  change(/\/healthcheck\b/g, request.healthPath, 2);
  change(
    '(greenlight-dev or greenlight-prod)',
    `(${request.contexts.length > 1 ? `${request.contexts.slice(0, -1).join(', ')} or ${request.contexts.at(-1)}` : request.contexts.join('')})`,
  );
  if (request.runtime !== 'node') {
    // Amazon Linux 2023 comes with python3, which the hooks (and a static site's server) need.
    change(
      /^( +)# Node\.js 20 first \(finding B4 of issue 17\):[^\n]*\n(?:\1#[^\n]*\n)*/m,
      "$1# The CodeDeploy agent, from the region's own bucket, as AWS documents for Amazon Linux. python3,\n$1# which the hooks and the app use, comes with Amazon Linux 2023.\n",
    );
    change(/^ +dnf install -y nodejs20\n +command -v node [^\n]*\n +node --version\n/m, '');
  }
  return text;
}
