import { ProjectError } from '../../../lib/errors';
import { DBT_ARTIFACTS_VERSION } from '../artifacts-manifest';
import type { HubClient, HubVersion } from './hub-registry';
import {
  filterInstallable,
  parseVersion,
  rangeString,
  reduceVersions,
  resolveToSpecificVersion,
  versionsCompatible,
  VersionsNotCompatibleError,
  type VersionSpecifier,
} from './hub-semver';

/** A hub package pinned to one version: that version's API entry and the newest installable one. */
export interface HubPin {
  version: string;
  latest: string;
  info: HubVersion;
}

/** A hub package with every version range asked for it and what asked (packages.yml, `pkg@version`). */
export interface HubRequest {
  package: string;
  versions: string[];
  installPrerelease: boolean;
  from: string[];
}

/** Whether a version's `require_dbt_version` admits the dbt version the engine stands for (dbt's is_compatible_version). */
function dbtCompatible(info: HubVersion): boolean {
  const req = info.require_dbt_version;
  if (!req || (Array.isArray(req) && !req.length)) return true;
  const list = (Array.isArray(req) ? req : [req]).map((v) => parseVersion(String(v)));
  if (list.some((v) => !v)) return false;
  return versionsCompatible([parseVersion(DBT_ARTIFACTS_VERSION)!, ...(list as VersionSpecifier[])]);
}

/**
 * dbt's RegistryUnpinnedPackage.resolved(): the package must be in the hub's index; the newest version
 * that is inside every range asked, works with this dbt version (`require_dbt_version`) and is no
 * pre-release (unless `install_prerelease` or a range names one) is picked; `versionCheck` false
 * (`--no-version-check`) admits every dbt version. Errors read as dbt's.
 */
export async function resolveHub(hub: HubClient, pkg: HubRequest, file: string, versionCheck = true): Promise<HubPin> {
  const asked = pkg.from.join(', ');
  if (!(await hub.index(pkg.package)).includes(pkg.package))
    throw new ProjectError(
      `${file}: Package ${pkg.package} was not found in the package index (${hub.baseUrl}api/v1/index.json; required by ${asked})`,
    );
  const specs = pkg.versions.map((v) => {
    const spec = parseVersion(v);
    if (!spec)
      throw new ProjectError(
        `${file}: hub package ${pkg.package}: "${v}" is not a valid semantic version (required by ${asked})`,
      );
    return spec;
  });
  let range;
  try {
    range = reduceVersions(specs);
  } catch (err) {
    if (!(err instanceof VersionsNotCompatibleError)) throw err;
    throw new ProjectError(`${file}: Version error for package ${pkg.package}: ${err.message} (required by ${asked})`);
  }
  const all = await hub.versions(pkg.package);
  const compatible = Object.keys(all).filter((v) => !versionCheck || dbtCompatible(all[v]));
  const prereleaseAsked = specs.some((s) => !!s.prerelease);
  const installable = filterInstallable(compatible, pkg.installPrerelease || prereleaseAsked);
  const target = installable.length ? resolveToSpecificVersion(range, installable) : undefined;
  if (!target)
    throw new ProjectError(
      `${file}: Could not find a matching compatible version for package ${pkg.package}\n` +
        `  Requested range: ${rangeString(range)} (required by ${asked})\n` +
        `  Compatible versions: [${installable.map((v) => `'${v}'`).join(', ')}]\n` +
        (versionCheck
          ? `\n  Not shown: package versions incompatible with installed version of dbt-core (${DBT_ARTIFACTS_VERSION})\n` +
            "  To include them, run 'edp dbt deps --no-version-check'"
          : ''),
    );
  return { version: target, latest: installable[installable.length - 1], info: all[target] };
}
