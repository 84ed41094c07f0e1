// IAM's state: one per cloud (IAM is global), shared by the IAM API, CloudFormation's IAM resource
// providers, STS and the request authorizer.
export class IamModel {}
