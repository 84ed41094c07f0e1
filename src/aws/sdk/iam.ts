// One SDK client class per module, imported by name (see ../clients.ts).
export { IAMClient } from '@aws-sdk/client-iam';
