import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openObjectStore, type ObjectStore } from '../../../../activities/storage';
import { ConfigError } from '../../../../lib/errors';

/**
 * What real S3 answers a client configured for another region than the bucket's, which moto (the
 * object-storage suite's server) does not reproduce: a STAND-IN for S3's answer, not S3. A tiny HTTP
 * server on 127.0.0.1 answers every request the way AWS documents it for a bucket in eu-west-1 reached
 * with s3.region us-east-1:
 * - `redirect`: 301 Moved Permanently with `x-amz-bucket-region` (a HEAD has no body; other requests
 *   carry the `PermanentRedirect` error document naming the endpoint to use);
 * - `malformed`: 400 Bad Request with `x-amz-bucket-region` (a HEAD has no body; other requests carry the
 *   `AuthorizationHeaderMalformed` document: "the region 'us-east-1' is wrong; expecting 'eu-west-1'"),
 *   as regions opened after March 2019 and SigV4 scopes for the wrong region are answered.
 * The store must turn either into a non-retryable ConfigError naming `s3.region` and the bucket's
 * region, before it writes anything (no PUT, POST or DELETE reaches the server).
 */
const BUCKET = 'edp-eu-bucket';
const BUCKET_REGION = 'eu-west-1';
const KEY_ENV = 'S3_WRONG_REGION_TEST_KEY_ID';
const SECRET_ENV = 'S3_WRONG_REGION_TEST_SECRET';

type Answer = 'redirect' | 'malformed';

const requestId = '0D2K6Y3E468HH7Q8';
const hostId = 'Cm9zZXMgYXJlIHJlZCwgdmlvbGV0cyBhcmUgYmx1ZQ==';

/** S3's error document for `answer`, as S3 sends it (one line, XML declaration first). */
function errorDocument(answer: Answer): string {
  const body =
    answer === 'redirect'
      ? `<Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>${BUCKET}.s3.${BUCKET_REGION}.amazonaws.com</Endpoint><Bucket>${BUCKET}</Bucket>`
      : `<Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting '${BUCKET_REGION}'</Message><Region>${BUCKET_REGION}</Region>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${body}<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`;
}

let server: Server;
let answer: Answer = 'redirect';
const seen: Array<{ method: string; url: string }> = [];

/** Answers every request for the bucket as S3 does for a client of the wrong region. */
function answerAsS3(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '' });
  req.resume();
  const headers = {
    'x-amz-bucket-region': BUCKET_REGION,
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId,
    'content-type': 'application/xml',
    server: 'AmazonS3',
    date: new Date().toUTCString(),
  };
  const status = answer === 'redirect' ? 301 : 400;
  if (req.method === 'HEAD') {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, headers).end(errorDocument(answer));
}

beforeAll(async () => {
  process.env[KEY_ENV] = 'AKIAIOSFODNN7EXAMPLE';
  process.env[SECRET_ENV] = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  server = createServer(answerAsS3);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  delete process.env[KEY_ENV];
  delete process.env[SECRET_ENV];
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

/** A store on the stand-in, configured for us-east-1. */
function store(): ObjectStore {
  const { port } = server.address() as AddressInfo;
  return openObjectStore(`s3://${BUCKET}/landing`, 'landing.path', {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyIdEnv: KEY_ENV,
    secretAccessKeyEnv: SECRET_ENV,
  });
}

/** The error `step` fails with. */
async function failure(step: () => Promise<unknown>): Promise<unknown> {
  try {
    await step();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe.each<Answer>(['redirect', 'malformed'])('S3 answering a client of the wrong region (%s)', (kind) => {
  beforeEach(() => {
    answer = kind;
  });

  it.each<[string, (s: ObjectStore) => Promise<unknown>]>([
    ['the bucket check', (s) => s.check()],
    ['a Delta commit (put if absent)', (s) => s.putIfAbsent('_delta_log/00000000000000000000.json', '{}')],
    ['a file written', (s) => s.writeFrom('part-0.parquet', (path) => writeFile(path, 'x'))],
    ['a listing', (s) => s.list('claims')],
    ['a read', (s) => s.read('claims/claims_1.csv')],
  ])('%s fails with a ConfigError naming s3.region and the bucket region, writing nothing', async (_what, use) => {
    const started = Date.now();
    const err = await failure(() => use(store()));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err).toMatchObject({
      fix: 's3.region',
      retryable: false,
      message: expect.stringMatching(/^s3\.region: bucket edp-eu-bucket .* is in eu-west-1, not us-east-1/),
    });
    expect(seen.filter((r) => !['HEAD', 'GET'].includes(r.method))).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
    // Refused at once: not retried as a network failure would be.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
