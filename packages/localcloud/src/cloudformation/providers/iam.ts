// Providers for the IAM resource types a stack can hold (AWS::IAM::Role, AWS::IAM::InstanceProfile,
// AWS::IAM::OIDCProvider, …), creating them in the cloud's one IamModel.
import type { ResourceProvider } from '../provider.js';

export const iamProviders: ReadonlyMap<string, ResourceProvider> = new Map();
