import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import { ACCOUNT_PLACEHOLDER } from '../config/placeholder.js';
import { UsageError } from '../exit-codes.js';
import type { Logger } from '../log/events.js';
import { environmentComment, environmentSpec, type InitAnswers } from './answers.js';
import { teamProfile, type AppProfile } from './app-profile.js';
import { contextOf, renderCircleCiConfig } from './circleci-config.js';
import { addEnvironment } from './config-file.js';
import { renderAppSpec, renderHooks, type ScaffoldFile } from './hooks-files.js';
import type { DetectedApp } from './runtime.js';
import { adaptSamTemplate, readRepositorySamTemplate } from './sam-template.js';
import { renderTemplate } from './template.js';
import { templateValues } from './app-profile.js';
import { readTemplate } from './templates-dir.js';

// `greenlight init` in a team's repository: greenlight.yml, and what the answers ask for of appspec.yml,
// hooks/, an example app, sam-template.yaml and .circleci/config.yml. All or nothing: every file is
// rendered and checked first, and when any of them exists (without --force) nothing is written and
// every one that exists is named. An existing .circleci/config.yml is never rewritten: the pipeline
// to merge into it is printed instead.

export interface InitRepositoryRequest {
  /** The repository's root. */
  readonly dir: string;
  /** greenlight.yml, absolute. */
  readonly configPath: string;
  readonly answers: InitAnswers;
  readonly detected: DetectedApp;
  readonly force: boolean;
  readonly dryRun: boolean;
  /** What the CI config installs greenlight from (`greenlight@0.1.0`). */
  readonly packageSpec: string;
}

export interface InitRepositoryResult {
  /** Files written (or, with --dry-run, that would be), relative to the repository. */
  readonly files: readonly string[];
  readonly written: boolean;
  /** Files that existed and were replaced (--force). */
  readonly replaced: readonly string[];
  /** The pipeline to merge into an existing .circleci/config.yml. */
  readonly circleciToMerge?: string;
  /** The account placeholder is in greenlight.yml: it will not load until it is replaced. */
  readonly accountPlaceholder: boolean;
  readonly greenlightYml: string;
}

const CIRCLECI = '.circleci/config.yml';

export function initRepository(
  request: InitRepositoryRequest,
  deps: { readonly logger: Logger },
): { exitCode: number; result: InitRepositoryResult } {
  const say = (level: 'info' | 'warn', text: string) => deps.logger.emit({ kind: 'message', level, text });
  const { answers, dir } = request;
  const configName = relative(dir, request.configPath) || 'greenlight.yml';
  const greenlightYml = configText(request);

  const profile = teamProfile({
    app: answers.application,
    detected: request.detected,
    port: answers.healthPort,
    healthPath: answers.healthPath,
    exampleWritten: answers.write.includes('example'),
  });
  const files: ScaffoldFile[] = [{ path: configName, text: greenlightYml, mode: 0o644 }];
  const wants = (what: InitAnswers['write'][number]) => answers.write.includes(what);
  if (wants('appspec')) files.push(renderAppSpec(profile));
  if (wants('hooks')) files.push(...renderHooks(profile));
  if (wants('example')) {
    if (request.detected.runtime === 'static')
      throw new UsageError('--with example: a static site has no app of its own to write an example of');
    files.push(exampleApp(profile, request.detected));
  }
  if (wants('sam')) {
    files.push({
      path: 'sam-template.yaml',
      text: adaptSamTemplate(readRepositorySamTemplate(), {
        app: answers.application,
        environments: answers.environments,
        port: answers.healthPort,
        healthPath: answers.healthPath,
        runtime: answers.runtime,
        contexts: answers.environments.map((env) => contextOf(answers.application, env)),
      }),
      mode: 0o644,
    });
  }
  let circleciToMerge: string | undefined;
  if (wants('circleci')) {
    const pipeline = renderCircleCiConfig({
      app: answers.application,
      environments: answers.environments.map((name) => ({
        name,
        bake: String(environmentSpec(answers, name).bake),
      })),
      runtime: answers.runtime,
      nodeTests: request.detected.tests,
      pythonRequirements: existsSync(join(dir, 'requirements.txt')),
      sam: wants('sam') || existsSync(join(dir, 'sam-template.yaml')),
      s3: !('github' in answers.revision),
      packageSpec: request.packageSpec,
    });
    if (existsSync(join(dir, CIRCLECI))) circleciToMerge = pipeline;
    else files.push({ path: CIRCLECI, text: pipeline, mode: 0o644 });
  }

  const existing = files.map((f) => f.path).filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0 && !request.force) {
    throw new UsageError(
      `nothing written: ${existing.join(', ')} ${existing.length === 1 ? 'exists' : 'exist'}. ` +
        `--force replaces ${existing.length === 1 ? 'it' : 'them'} (${configName} keeps its other environments), or leave ${existing.length === 1 ? 'it' : 'them'} out with --with`,
    );
  }

  if (!request.dryRun) for (const file of files) writeFile(join(dir, file.path), file);
  const placeholder = answers.account === undefined;
  say(
    'info',
    `${request.dryRun ? 'would write' : 'wrote'} ${files.map((f) => f.path).join(', ')}` +
      (existing.length > 0 ? ` (replacing ${existing.join(', ')})` : ''),
  );
  if (circleciToMerge !== undefined)
    say(
      'warn',
      `${CIRCLECI} exists and is not rewritten: the pipeline to merge into it is printed on stdout`,
    );
  if (placeholder)
    say(
      'warn',
      `${configName} has ${ACCOUNT_PLACEHOLDER} where the AWS account id belongs: greenlight refuses it until you put the id there (or run init again with --account ID --force)`,
    );
  if (request.detected.runtime === 'static' && request.detected.source === '/' && wants('appspec'))
    say(
      'warn',
      'the whole revision is served (index.html is at its root): move the site into public/ to serve only it',
    );
  const [first] = answers.environments;
  say(
    'info',
    `next: ${wants('sam') ? `greenlight sam deploy --env ${first} (an administrator, once), then ` : ''}greenlight group apply --env ${first}, greenlight deploy --env ${first}`,
  );
  return {
    exitCode: 0,
    result: {
      files: files.map((f) => f.path),
      written: !request.dryRun,
      replaced: existing,
      ...(circleciToMerge !== undefined ? { circleciToMerge } : {}),
      accountPlaceholder: placeholder,
      greenlightYml,
    },
  };
}

/** greenlight.yml with an environment per answer, checked as every command will load it. */
function configText(request: InitRepositoryRequest): string {
  const { answers } = request;
  // Without --force an existing file is not written (initRepository says so): the new environments
  // are checked on their own.
  let text =
    request.force && existsSync(request.configPath) ? readFileSync(request.configPath, 'utf8') : undefined;
  for (const env of answers.environments) {
    text = addEnvironment({
      ...(text !== undefined ? { existing: text } : {}),
      path: request.configPath,
      application: answers.application,
      name: env,
      environment: environmentSpec(answers, env),
      force: request.force,
      comment: environmentComment(answers, env),
    });
  }
  if (text === undefined) throw new UsageError('no environment to write');
  // Loaded as every command loads it, with a stand-in account where the placeholder is: anything
  // wrong besides the placeholder (a name too long for AWS, say) is refused before a file is written.
  try {
    const config = loadConfig({
      path: request.configPath,
      text: text.replaceAll(ACCOUNT_PLACEHOLDER, '000000000000'),
    });
    for (const env of answers.environments) resolveEnvironment(config, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(`greenlight.yml would not load, so nothing was written:\n${error.message}`);
  }
  return text;
}

function exampleApp(profile: AppProfile, detected: DetectedApp): ScaffoldFile {
  const path = detected.source === '/' ? detected.entry : `${detected.source}/${detected.entry}`;
  const template = profile.runtime === 'python' ? 'example/app.py' : 'example/server.js';
  const values = { ...templateValues(profile), entry: path, esm: detected.esm };
  return { path, text: renderTemplate(readTemplate(template), values, `templates/${template}`), mode: 0o644 };
}

/** Written beside and renamed into place, so a file is never left half written. */
function writeFile(path: string, file: ScaffoldFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const draft = `${path}.greenlight-init-${process.pid}`;
  writeFileSync(draft, file.text);
  chmodSync(draft, file.mode);
  renameSync(draft, path);
}
