// One SDK client class per module, imported by name (see ../clients.ts).
export { SSMClient } from '@aws-sdk/client-ssm';
