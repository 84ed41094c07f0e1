// One SDK client class per module, imported by name (see ../clients.ts).
export { CodeDeployClient } from '@aws-sdk/client-codedeploy';
