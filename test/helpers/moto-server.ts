import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureFakesnow } from '../../infra/install';
import { VERSIONS } from '../../infra/versions';
import { freePort, portOpen, startDaemon, stopDaemon } from '../../infra/process';
import { tmpDir } from './tmp';

/** Creates the user, its `s3:*` policy and its access key (three requests), and prints the key as JSON. */
const IAM_SETUP = `
import boto3, json, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="AKIASETUPSETUPSETUP0", aws_secret_access_key="setup")
iam.create_user(UserName="edp")
iam.put_user_policy(UserName="edp", PolicyName="s3", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="edp")["AccessKey"]
print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))
`;

/** A moto S3 server that checks credentials, with the one access key it accepts. */
export interface MotoS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** An S3 client with the accepted key, for test setup and inspection. */
  client: S3Client;
  /** Creates a bucket in `region` (default us-east-1). */
  createBucket(bucket: string, region?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a separate moto server (`python -m moto.server`, moto from the fakesnow venv, pinned in
 * infra/versions.ts) on 127.0.0.1 with IAM authentication on: its first three requests (unauthenticated)
 * create a user allowed `s3:*` and that user's access key; every later request must be signed with that
 * key, so a wrong key id or secret is refused as AWS refuses it. (The shared moto beside fakesnow accepts
 * any key, so it cannot show refused credentials.)
 */
export async function startMotoS3(): Promise<MotoS3> {
  const python = ensureFakesnow();
  const dir = tmpDir('edp-moto-');
  const port = await freePort();
  const pidFile = join(dir, 'moto.pid');
  await startDaemon({
    name: `moto ${VERSIONS.moto} on 127.0.0.1:${port}`,
    command: python,
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3' },
    pidFile,
    logFile: join(dir, 'moto.log'),
    ready: () => portOpen('127.0.0.1', port),
    readyTimeoutMs: 60_000,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // boto3 is in the same venv; the project has no IAM client of its own.
  const { stdout } = await promisify(execFile)(python, ['-c', IAM_SETUP, endpoint], { encoding: 'utf8' });
  const credentials = JSON.parse(stdout) as { accessKeyId: string; secretAccessKey: string };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    endpoint,
    ...credentials,
    client,
    async createBucket(bucket, region = 'us-east-1') {
      await client.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: region as 'eu-west-1' } }),
        }),
      );
    },
    async stop() {
      client.destroy();
      await stopDaemon(pidFile);
    },
  };
}

/** Uploads every file under a local folder to `s3://<bucket>/<prefix>/…`, keeping relative paths; the count. */
export async function uploadFolder(client: S3Client, bucket: string, dir: string, prefix: string): Promise<number> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  for (const f of files) {
    const rel = join(f.parentPath, f.name).slice(dir.length + 1);
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${rel}`, Body: readFileSync(join(f.parentPath, f.name)) }),
    );
  }
  return files.length;
}
