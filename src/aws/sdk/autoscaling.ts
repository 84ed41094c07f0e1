// One SDK client class per module, imported by name (see ../clients.ts).
export { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
