// awsQuery (Auto Scaling, ELBv2, CloudWatch's query form) and the ec2 query protocol: form-encoded
// requests named by `Action`, XML responses. awsQuery wraps the output in `<OpResult>` and reports
// errors as `<ErrorResponse>`; EC2 has no result wrapper, a lower-case `<requestId>`, and errors as
// `<Response><Errors>`.
import { AwsApiError } from '../service.js';
import { createFormDecoder, type QueryFlavour } from './form.js';
import type { Operation, ServiceModel } from './model.js';
import type { ParsedEnvelope, WireCodec, WireRequest, WireResponse } from './wire.js';
import { headerValue, notImplementedMessage } from './wire.js';
import { codePointName, createXmlRenderer, escapeXml, xmlIllegalCharacter } from './xml.js';

const XML_CONTENT_TYPE = 'text/xml';

export interface QueryCodecOptions {
  readonly model: ServiceModel;
  readonly flavour: QueryFlavour;
}

/** Reads the parameters of a query request: the form body, and the URL's query string for GETs. */
export function queryParameters(request: WireRequest): URLSearchParams {
  const type = headerValue(request.headers, 'content-type') ?? '';
  const params = new URLSearchParams(request.search);
  if (request.body.length > 0 && (type === '' || type.startsWith('application/x-www-form-urlencoded'))) {
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) params.append(key, value);
  }
  return params;
}

export function createQueryCodec(options: QueryCodecOptions): WireCodec {
  const { model, flavour } = options;
  const namespace =
    flavour === 'ec2'
      ? `http://ec2.amazonaws.com/doc/${model.metadata.apiVersion}/`
      : (model.metadata.xmlNamespace ?? '');
  const invalidCode = flavour === 'ec2' ? 'InvalidParameterValue' : 'ValidationError';
  const decoder = createFormDecoder(model, flavour, invalidCode);
  const renderer = createXmlRenderer(model);

  return {
    model,
    parseEnvelope(request: WireRequest): ParsedEnvelope {
      const type = headerValue(request.headers, 'content-type') ?? '';
      if (request.body.length > 0 && type !== '' && !type.startsWith('application/x-www-form-urlencoded')) {
        throw new AwsApiError(
          flavour === 'ec2' ? 'InvalidParameterValue' : 'MalformedQueryString',
          `Content-Type must be application/x-www-form-urlencoded, got ${JSON.stringify(type)}`,
        );
      }
      const params = queryParameters(request);
      // The answer is XML, which cannot carry these characters back; AWS refuses them on the way in.
      for (const [key, value] of params) {
        const illegal = xmlIllegalCharacter(key) ?? xmlIllegalCharacter(value);
        if (illegal !== undefined) {
          throw new AwsApiError(
            invalidCode,
            `The parameter ${key} contains the character ${codePointName(illegal)}, which is not valid in this API`,
          );
        }
      }
      const action = params.get('Action');
      if (!action) throw new AwsApiError('MissingAction', 'The request must contain the parameter Action');
      params.delete('Action');
      params.delete('Version');
      return { operationName: action, payload: [...params] };
    },
    decodeInput(operation: Operation, payload: unknown): unknown {
      return decoder.decode(operation.input, payload as [string, string][]);
    },
    encodeOutput(operation: Operation, output: unknown, requestId: string): WireResponse {
      const name = operation.name;
      const members = operation.output ? renderer.members(operation.output, output) : '';
      let body: string;
      if (flavour === 'ec2') {
        body = `<${name}Response xmlns="${namespace}"><requestId>${requestId}</requestId>${members}</${name}Response>`;
      } else {
        const wrapper = operation.output?.resultWrapper;
        const result = wrapper ? `<${wrapper}>${members}</${wrapper}>` : '';
        body =
          `<${name}Response xmlns="${namespace}">${result}` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`;
      }
      return {
        status: 200,
        headers: { 'content-type': XML_CONTENT_TYPE },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
      };
    },
    encodeError(error: AwsApiError, requestId: string): WireResponse {
      const code = escapeXml(error.code);
      const message = escapeXml(error.message);
      const body =
        flavour === 'ec2'
          ? `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors>` +
            `<RequestID>${requestId}</RequestID></Response>`
          : `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.fault}</Type><Code>${code}</Code>` +
            `<Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return {
        status: error.status,
        headers: { 'content-type': XML_CONTENT_TYPE },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
      };
    },
    unknownOperation(operationName: string): AwsApiError {
      return new AwsApiError('InvalidAction', notImplementedMessage(operationName));
    },
    bodyTooLarge(limitBytes: number): AwsApiError {
      return new AwsApiError(invalidCode, `The request body is larger than ${limitBytes} bytes`, {
        status: 413,
      });
    },
  };
}
