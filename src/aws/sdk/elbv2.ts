// One SDK client class per module, imported by name (see ../clients.ts).
export { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
