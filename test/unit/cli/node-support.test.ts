import { enginesNodeOf, nodeSupportWarning } from '../../../cli/node-support';

describe('the Node version check at start-up', () => {
  it('warns when Node is older than the AWS SDK supports, and only then', () => {
    expect(nodeSupportWarning('v18.19.0', '@aws-sdk/client-s3', '>=20.0.0')).toBe(
      'edp: warning: Node v18.19.0 is older than @aws-sdk/client-s3 supports (node >=20.0.0): S3 uploads (Delta export, Snowflake external stages) may fail; install Node 20 or later',
    );
    expect(nodeSupportWarning('v20.20.2', '@aws-sdk/client-s3', '>=20.0.0')).toBeUndefined();
    expect(nodeSupportWarning('v22.1.0', '@aws-sdk/client-s3', '>=20.0.0')).toBeUndefined();
    expect(nodeSupportWarning('v20.1.0', 'x', '>=20.3')).toMatch(/older than x supports/);
    expect(nodeSupportWarning('v20.1.0', 'x', undefined)).toBeUndefined();
  });

  it("reads the SDK's own engines range", () => {
    expect(enginesNodeOf('@aws-sdk/client-s3')).toMatch(/^>=\s*\d+/);
  });
});
