// Systems Manager's operations over JSON 1.1 (X-Amz-Target `AmazonSSM.<Operation>`, signing name
// `ssm`): each handler hands the decoded input to the region's model.
import type { RequestContext, ServiceDefinition } from '../service.js';
import type { SsmModel } from './model.js';

type Input = Readonly<Record<string, unknown>>;

export function ssmService(modelFor: (ctx: RequestContext) => SsmModel): ServiceDefinition {
  return {
    signingName: 'ssm',
    operations: {
      SendCommand: (input: Input, ctx) => modelFor(ctx).sendCommand(input),
      GetCommandInvocation: (input: Input, ctx) => modelFor(ctx).getCommandInvocation(input),
      ListCommandInvocations: (input: Input, ctx) => modelFor(ctx).listCommandInvocations(input),
      DescribeInstanceInformation: (input: Input, ctx) => modelFor(ctx).describeInstanceInformation(input),
    },
  };
}

/** The operations the local cloud implements, for the model trimming script and the tests. */
export const ssmOperations: readonly string[] = Object.keys(
  ssmService(() => {
    throw new Error('only the operation names are read');
  }).operations,
);
