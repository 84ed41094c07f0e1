// One SDK client class per module, imported by name (see ../clients.ts).
export { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
