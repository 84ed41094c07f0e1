// tier: unit
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, TemplateSyntaxError } from '../../src/sam/template.js';

describe('parseTemplate', () => {
  it('reads every CloudFormation short form into its long form', () => {
    const text = [
      'Conditions:',
      '  IsProd: !Equals [!Ref Environment, prod]',
      '  NotProd: !Not [!Condition IsProd]',
      '  Either: !Or [!Condition IsProd, !And [!Condition NotProd, !Equals [a, a]]]',
      'Resources:',
      '  Thing:',
      '    Type: AWS::S3::Bucket',
      '    Properties:',
      '      A: !GetAtt Role.Arn',
      '      B: !GetAtt [Role, Arn]',
      '      C: !Sub "${AWS::Region}-x"',
      '      D: !Sub ["${X}", {X: !Ref Y}]',
      '      E: !Join [",", [a, b]]',
      '      F: !If [IsProd, !Select [0, !GetAZs ""], !Split [",", "a,b"]]',
      '      G: !FindInMap [M, !Ref "AWS::Region", K]',
      '      H: !ImportValue shared-vpc',
      '      I: !Base64 hello',
      '      J: !GetAtt Cluster.Endpoint.Address',
    ].join('\n');
    const { document } = parseTemplate(text);
    assert.deepEqual(document.Conditions, {
      IsProd: { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      Either: {
        'Fn::Or': [
          { Condition: 'IsProd' },
          { 'Fn::And': [{ Condition: 'NotProd' }, { 'Fn::Equals': ['a', 'a'] }] },
        ],
      },
    });
    assert.deepEqual((document.Resources as Record<string, { Properties: unknown }>).Thing!.Properties, {
      A: { 'Fn::GetAtt': ['Role', 'Arn'] },
      B: { 'Fn::GetAtt': ['Role', 'Arn'] },
      C: { 'Fn::Sub': '${AWS::Region}-x' },
      D: { 'Fn::Sub': ['${X}', { X: { Ref: 'Y' } }] },
      E: { 'Fn::Join': [',', ['a', 'b']] },
      F: { 'Fn::If': ['IsProd', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, { 'Fn::Split': [',', 'a,b'] }] },
      G: { 'Fn::FindInMap': ['M', { Ref: 'AWS::Region' }, 'K'] },
      H: { 'Fn::ImportValue': 'shared-vpc' },
      I: { 'Fn::Base64': 'hello' },
      J: { 'Fn::GetAtt': ['Cluster', 'Endpoint.Address'] },
    });
  });

  it('says where a path starts', () => {
    const template = parseTemplate(
      'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: x\n',
    );
    assert.equal(template.lineOf(['Resources', 'Bucket', 'Properties', 'BucketName']), 5);
    assert.equal(template.lineOf(['Resources', 'Bucket', 'Properties', 'Missing']), 4);
  });

  it('refuses unknown tags, a !GetAtt without an attribute and broken YAML, with lines', () => {
    assert.throws(
      () =>
        parseTemplate(
          'Resources:\n  A:\n    Type: X\n    Properties: {B: !Reff C, D: !GetAtt E}\n',
          't.yaml',
        ),
      (error: unknown) => {
        assert.ok(error instanceof TemplateSyntaxError);
        assert.equal(error.exitCode, 2);
        assert.deepEqual(
          error.problems.map((problem) => [problem.line, problem.message.split(';')[0]]),
          [
            [4, 'unknown tag !Reff at Resources.A.Properties.B'],
            [4, '!GetAtt E at Resources.A.Properties.D: expected Resource.Attribute'],
          ],
        );
        return true;
      },
    );
    assert.throws(() => parseTemplate('Resources: [\n', 't.yaml'), /t\.yaml:\d+: YAML syntax error/);
    assert.throws(() => parseTemplate('- a\n', 't.yaml'), /must be a map/);
  });
});
