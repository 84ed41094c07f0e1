// The botocore service model, as vendored by scripts/trim-models.ts (in this package). The codecs walk these shapes to
// decode requests and render responses, so the wire format follows AWS's own description.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from '../assets.js';

export interface ShapeRef {
  readonly shape: string;
  readonly locationName?: string;
  readonly queryName?: string;
  readonly flattened?: boolean;
  readonly timestampFormat?: string;
  readonly xmlNamespace?: unknown;
}

export type Shape =
  | {
      readonly type: 'structure';
      readonly members: Readonly<Record<string, ShapeRef>>;
      readonly required?: readonly string[];
      readonly error?: {
        readonly code?: string;
        readonly httpStatusCode?: number;
        readonly senderFault?: boolean;
      };
      readonly exception?: boolean;
    }
  | {
      readonly type: 'list';
      readonly member: ShapeRef;
      readonly flattened?: boolean;
      readonly min?: number;
      readonly max?: number;
    }
  | { readonly type: 'map'; readonly key: ShapeRef; readonly value: ShapeRef; readonly flattened?: boolean }
  | {
      readonly type: 'string';
      readonly enum?: readonly string[];
      readonly min?: number;
      readonly max?: number;
    }
  | {
      readonly type: 'integer' | 'long' | 'double' | 'float';
      readonly min?: number;
      readonly max?: number;
    }
  | { readonly type: 'boolean' | 'blob' }
  | { readonly type: 'timestamp'; readonly timestampFormat?: string };

export interface Operation {
  readonly name: string;
  readonly input?: ShapeRef;
  readonly output?: ShapeRef & { readonly resultWrapper?: string };
  readonly errors?: readonly ShapeRef[];
}

export interface ServiceModel {
  readonly metadata: {
    readonly apiVersion: string;
    readonly endpointPrefix: string;
    readonly protocol: string;
    readonly jsonVersion?: string;
    readonly targetPrefix?: string;
    readonly xmlNamespace?: string;
  };
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

export type ModelName =
  'codedeploy' | 'autoscaling' | 'elbv2' | 'ec2' | 'cloudwatch' | 'sts' | 'cloudformation' | 'iam' | 'ssm';

export function loadServiceModel(name: ModelName): ServiceModel {
  return JSON.parse(readFileSync(join(MODELS_DIR, `${name}.json`), 'utf8')) as ServiceModel;
}

export function shapeOf(model: ServiceModel, ref: ShapeRef): Shape {
  const shape = model.shapes[ref.shape];
  if (!shape)
    throw new Error(`shape ${ref.shape} is missing from the ${model.metadata.endpointPrefix} model`);
  return shape;
}

/** The wire code of a modelled error shape: the model's `error.code` when it has one, else the shape name. */
export function errorCodeOf(model: ServiceModel, shapeName: string): string {
  const shape = model.shapes[shapeName];
  if (shape?.type === 'structure' && shape.error?.code) return shape.error.code;
  return shapeName;
}
