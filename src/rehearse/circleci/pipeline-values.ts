import { problem } from './errors.js';
import type { ParameterValue, PipelineValues } from './model.js';
import { closest } from './suggestion.js';
import type { Resolver } from './template.js';

/** `<< pipeline.* >>` as CircleCI documents the pipeline values; others are left for later passes. */
export function pipelineResolver(
  pipeline: PipelineValues,
  parameters: Readonly<Record<string, ParameterValue>>,
): Resolver {
  const values: Record<string, unknown> = {
    'pipeline.id': pipeline.id,
    'pipeline.number': pipeline.number,
    'pipeline.git.branch': pipeline.branch ?? '',
    'pipeline.git.tag': pipeline.tag ?? '',
    'pipeline.git.revision': pipeline.revision,
    'pipeline.git.base_revision': pipeline.baseRevision ?? '',
    'pipeline.project.git_url': pipeline.projectGitUrl ?? '',
    'pipeline.project.type': pipeline.projectType ?? '',
    'pipeline.project.slug': pipeline.projectSlug ?? '',
    'pipeline.trigger_source': pipeline.triggerSource ?? 'webhook',
    'pipeline.in_setup': false,
  };
  return (reference, path) => {
    if (!reference.startsWith('pipeline.')) return undefined;
    if (reference.startsWith('pipeline.parameters.')) {
      const name = reference.slice('pipeline.parameters.'.length);
      if (!(name in parameters))
        throw problem(path, `<< ${reference} >>: the config declares no pipeline parameter "${name}"`);
      return { value: parameters[name] };
    }
    if (!(reference in values)) {
      const hint = closest(reference, Object.keys(values));
      throw problem(
        path,
        `<< ${reference} >> is not a pipeline value${hint === undefined ? '' : ` (did you mean << ${hint} >>?)`}`,
      );
    }
    return { value: values[reference] };
  };
}
