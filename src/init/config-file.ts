import { isMap, parseDocument, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import { UsageError } from '../exit-codes.js';
import type { UnsupportedSetting } from './from-group.js';

// Writing an environment into greenlight.yml: a new file, or one more environment in the team's file
// with its comments, order and style left as they were. Small maps are written in flow style, as the
// example greenlight.yml writes them (`health: { path: /healthcheck, port: 8000 }`).

/** Maps with at most this many scalar members are written on one line. */
const FLOW_MEMBERS = 3;

export interface AddEnvironment {
  /** The file's current text; absent when there is no greenlight.yml yet. */
  readonly existing?: string;
  /** Shown in messages. */
  readonly path: string;
  readonly application: string;
  readonly name: string;
  readonly environment: Record<string, unknown>;
  /** Replace an environment of the same name. */
  readonly force: boolean;
  /** Said above the environment: what came from where, what greenlight.yml cannot say. */
  readonly comment?: string;
}

export function addEnvironment(request: AddEnvironment): string {
  const document =
    request.existing !== undefined ? parseDocument(request.existing) : newDocument(request.application);
  if (document.errors.length > 0) {
    throw new UsageError(`${request.path} is not valid YAML (${document.errors[0]?.message}); fix it first`);
  }
  const application = document.get('application');
  if (application !== request.application) {
    throw new UsageError(
      `${request.path} describes application ${JSON.stringify(application)}, and the group belongs to ${JSON.stringify(request.application)}: ` +
        'one greenlight.yml describes one application; use another file (--config)',
    );
  }
  let environments = document.get('environments', true) as Node | undefined;
  if (environments === undefined || environments === null || !isMap(environments)) {
    environments = new YAMLMap();
    document.set('environments', environments);
  }
  const map = environments as YAMLMap;
  if (map.has(request.name) && !request.force) {
    throw new UsageError(
      `${request.path} already has an environment ${request.name}; choose another --env, or --force to replace it`,
    );
  }
  const node = document.createNode(request.environment) as Node;
  flowSmallMaps(node);
  if (request.comment) node.commentBefore = request.comment;
  map.set(request.name, node);
  return document.toString({ lineWidth: 0 });
}

function newDocument(application: string): Document {
  const document = parseDocument(
    '# greenlight.yml: how greenlight deploys this application through AWS CodeDeploy.\n' +
      '# Every key is described in greenlight\'s README ("greenlight.yml").\n',
  );
  document.contents = document.createNode({ application, environments: {} }) as never;
  return document;
}

function flowSmallMaps(node: unknown, depth = 0): void {
  // Lists of names (`targetGroups: [web-dev-tg]`) on one line too.
  if (node instanceof YAMLSeq) {
    if (node.items.every((item) => !(item instanceof YAMLMap) && !(item instanceof YAMLSeq)))
      node.flow = true;
    return;
  }
  if (!(node instanceof YAMLMap)) return;
  const scalarsOnly = node.items.every(
    (pair) => !(pair.value instanceof YAMLMap) && !(pair.value instanceof YAMLSeq),
  );
  if (depth > 0 && scalarsOnly && node.items.length <= FLOW_MEMBERS) node.flow = true;
  for (const pair of node.items) flowSmallMaps(pair.value, depth + 1);
}

/** The comment written above an imported environment. */
export function importComment(
  source: string,
  notes: readonly string[],
  unsupported: readonly UnsupportedSetting[],
): string {
  const lines = [`Imported from the deployment group ${source} by greenlight init --from-group.`];
  for (const note of notes) lines.push(`- ${note}`);
  for (const u of unsupported) {
    lines.push(`- not in greenlight.yml: ${u.setting} = ${u.value} (${u.why})`);
  }
  return lines.map((line) => ` ${line}`).join('\n');
}
