// One SDK client class per module, imported by name (see ../clients.ts).
export { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
