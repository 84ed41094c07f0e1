import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AwsClientSource } from '../deps.js';
import { ConfigError } from '../config/errors.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadConfig } from '../config/load.js';
import { groupClientsOf, planGroup, type GroupPlan } from '../codedeploy/group.js';
import { showSpecValue, type FieldChange } from '../codedeploy/group-spec.js';
import type { Logger } from '../log/events.js';
import { addEnvironment, importComment } from './config-file.js';
import { importGroup, type ImportRequest, type UnsupportedSetting } from './from-group.js';

// `greenlight init --from-group APP/GROUP --env NAME`: the group read back (from-group.ts), the
// environment added to greenlight.yml (config-file.ts), the file loaded as every command loads it, and
// the plan `group plan` would make from it. Only an environment whose plan is "up to date" is written:
// a file that `group apply` would use to change the live group is never written without --force.

export interface InitFromGroupRequest extends ImportRequest {
  readonly env: string;
  /** greenlight.yml, absolute. */
  readonly configPath: string;
  readonly force: boolean;
  /** Print the file instead of writing it. */
  readonly dryRun: boolean;
}

export interface InitFromGroupResult {
  readonly file: string;
  readonly environment: string;
  readonly written: boolean;
  readonly upToDate: boolean;
  /** What `group apply` would change, field by field, were the file used as written. */
  readonly changes: readonly FieldChange[];
  readonly tagsToSet: Readonly<Record<string, string>>;
  readonly deploymentConfig?: GroupPlan['deploymentConfig'];
  readonly unsupported: readonly UnsupportedSetting[];
  readonly notes: readonly string[];
  /** The whole file as written (or as it would be). */
  readonly text: string;
}

export async function initFromGroup(
  request: InitFromGroupRequest,
  deps: { readonly aws: AwsClientSource; readonly logger: Logger },
): Promise<{ exitCode: number; result: InitFromGroupResult }> {
  const source = `${request.application}/${request.deploymentGroup}`;
  const clients = await groupClientsOf(deps.aws);
  const imported = await importGroup(request, clients.codedeploy);
  const existing = existsSync(request.configPath) ? readFileSync(request.configPath, 'utf8') : undefined;
  const text = addEnvironment({
    ...(existing !== undefined ? { existing } : {}),
    path: request.configPath,
    application: imported.application,
    name: request.env,
    environment: imported.environment,
    force: request.force,
    comment: importComment(source, imported.notes, imported.unsupported),
  });

  // Loaded exactly as every command will load it (defaults merged, validated), then planned.
  const say = (level: 'info' | 'warn' | 'error', line: string) =>
    deps.logger.emit({ kind: 'message', level, text: line });
  for (const note of imported.notes) say('info', note);
  for (const u of imported.unsupported)
    say(u.effect === 'changed' ? 'error' : 'warn', `${u.setting} = ${u.value}: ${u.why}`);
  const cannot = imported.unsupported.filter((u) => u.effect === 'changed');
  const notWritten = `${request.configPath} not written: greenlight.yml cannot describe ${source} as it is`;

  let env;
  try {
    env = resolveEnvironment(loadConfig({ path: request.configPath, text }), request.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (cannot.length > 0) {
      // What greenlight.yml cannot say leaves the environment invalid (no target group to move
      // traffic through): said above, setting by setting; there is no plan to make.
      say('error', `${notWritten} (${cannot.map((u) => u.setting).join(', ')})`);
      return {
        exitCode: 1,
        result: {
          file: request.configPath,
          environment: request.env,
          written: false,
          upToDate: false,
          changes: [],
          tagsToSet: {},
          unsupported: imported.unsupported,
          notes: imported.notes,
          text,
        },
      };
    }
    throw new ConfigError(
      `the environment read from ${source} does not load with the rest of ${request.configPath}; nothing was written:\n${error.message}`,
    );
  }
  const plan = await planGroup(env, clients);
  const changes = plan.group.action === 'update' ? plan.group.changes : [];
  const upToDate =
    plan.group.action === 'none' &&
    Object.keys(plan.tagsToSet).length === 0 &&
    (plan.deploymentConfig === undefined || plan.deploymentConfig.action === 'none');
  const written = !request.dryRun && (upToDate || request.force);
  if (written) writeFileSync(request.configPath, text);

  if (upToDate) say('info', `greenlight group plan --env ${request.env}: ${source} up to date`);
  else {
    say('error', `greenlight group plan --env ${request.env} would change ${source}:`);
    for (const c of changes)
      say('error', `  ~ ${c.field}: ${showSpecValue(c.current)} → ${showSpecValue(c.desired)}`);
    const tags = Object.entries(plan.tagsToSet);
    if (tags.length > 0)
      say(
        'error',
        `  tags to set: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')} (from defaults: in ${request.configPath}?)`,
      );
    if (plan.deploymentConfig?.action === 'create')
      say('error', `  deployment config ${plan.deploymentConfig.name}: create`);
  }
  say(
    written ? 'info' : upToDate ? 'info' : 'error',
    written
      ? `wrote environment ${request.env} to ${request.configPath}${upToDate ? '' : ' (--force: group apply WILL change the group as above)'}`
      : request.dryRun
        ? `--dry-run: ${request.configPath} not written`
        : `${notWritten} (--force writes it anyway, and group apply would then change the group)`,
  );
  return {
    exitCode: upToDate ? 0 : 1,
    result: {
      file: request.configPath,
      environment: request.env,
      written,
      upToDate,
      changes,
      tagsToSet: plan.tagsToSet,
      ...(plan.deploymentConfig ? { deploymentConfig: plan.deploymentConfig } : {}),
      unsupported: imported.unsupported,
      notes: imported.notes,
      text,
    },
  };
}
