// One SDK client class per module, imported by name (see ../clients.ts).
export { S3Client } from '@aws-sdk/client-s3';
