// Every resource type a stack can hold: this directory's providers and IAM's (iam.ts).
import type { ProviderRegistry, ResourceProvider } from '../provider.js';
import { autoScalingProviders } from './autoscaling.js';
import { cloudWatchProviders } from './cloudwatch.js';
import { codeDeployProviders } from './codedeploy.js';
import { ec2Providers } from './ec2.js';
import { elbv2Providers } from './elbv2.js';
import { iamProviders } from './iam.js';
import { s3Providers } from './s3.js';

export function defaultProviders(): ProviderRegistry {
  const registry = new Map<string, ResourceProvider>();
  for (const providers of [
    codeDeployProviders,
    ec2Providers,
    elbv2Providers,
    autoScalingProviders,
    s3Providers,
    cloudWatchProviders,
    iamProviders,
  ]) {
    for (const [type, provider] of providers) registry.set(type, provider);
  }
  return registry;
}
