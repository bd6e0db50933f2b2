import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The warning `edp` prints when this Node is older than a dependency's `engines.node` minimum (`>=20.0.0`),
 * or undefined when it is recent enough or the range is not a plain minimum.
 */
export function nodeSupportWarning(
  nodeVersion: string,
  packageName: string,
  range: string | undefined,
): string | undefined {
  const min = /^>=\s*v?(\d+)(?:\.(\d+))?/.exec(range?.trim() ?? '');
  const have = /^v?(\d+)\.(\d+)/.exec(nodeVersion);
  if (!min || !have) return undefined;
  const [major, minor] = [Number(have[1]), Number(have[2])];
  const [needMajor, needMinor] = [Number(min[1]), Number(min[2] ?? 0)];
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  return `edp: warning: Node ${nodeVersion} is older than ${packageName} supports (node ${range}): S3 uploads (Delta export, Snowflake external stages) may fail; install Node ${needMajor} or later`;
}

/** The `engines.node` range of an installed package, or undefined when it cannot be read. */
export function enginesNodeOf(packageName: string): string | undefined {
  try {
    const entry = require.resolve(packageName);
    // From the resolved entry (…/node_modules/@aws-sdk/client-s3/dist-cjs/index.js) up to the package's folder.
    const marker = join('node_modules', packageName);
    const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } };
    return pkg.engines?.node;
  } catch {
    return undefined;
  }
}
