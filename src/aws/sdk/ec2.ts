// One SDK client class per module, imported by name (see ../clients.ts).
export { EC2Client } from '@aws-sdk/client-ec2';
