import { ApplicationFailure } from '@temporalio/common';
import { basename, join } from 'node:path';
import type { DataInterval } from '../../lib/intervals';
import { classified, ErrorType } from '../errors';
import { withHeartbeat } from '../heartbeat';
import { addToCounter, logEvent } from '../telemetry';
import { KeyedLock } from '../keyed-lock';
import type { Warehouse } from '../warehouse';
import { evaluateRuleFile, type TableQualityResult } from './rule-engine';
import { loadRuleFiles } from './rule-file';

/** What the quality activities need from the worker. */
export interface QualityDeps {
  warehouse: Warehouse;
  /** The quality/rules folder. */
  rulesDir: string;
}

/** A rule file as the gate workflow sees it: a reference, not its contents. */
export interface RuleFileRef {
  /** File name inside the rules folder. */
  file: string;
  table: string;
  rules: number;
  /** Other tables its rules read (referential checks): a check waits until they are built. */
  reads?: string[];
}

/** Builds the quality activities over a warehouse and a rules folder. */
export function createQualityActivities(deps: QualityDeps) {
  const lock = new KeyedLock();
  return {
    /** Validates every rule file and lists them, optionally only those for the given tables. */
    listQualityRuleFiles(input: { tables?: string[] }): Promise<RuleFileRef[]> {
      const files = loadRuleFiles(deps.rulesDir).filter((f) => !input.tables || input.tables.includes(f.table));
      if (input.tables) {
        const missing = input.tables.filter((t) => !files.some((f) => f.table === t));
        if (missing.length > 0) {
          return Promise.reject(
            ApplicationFailure.nonRetryable(
              `no rule file in ${deps.rulesDir} covers ${missing.join(', ')}`,
              ErrorType.BadInput,
            ),
          );
        }
      }
      return Promise.resolve(
        files.map((f) => {
          const reads = [
            ...new Set(f.rules.flatMap((r) => ('references' in r && r.references ? [r.references.table] : []))),
          ];
          return { file: basename(f.file), table: f.table, rules: f.rules.length, ...(reads.length ? { reads } : {}) };
        }),
      );
    },

    /** Runs one rule file for a run: results, quarantine and score land in the warehouse (replacing an earlier attempt's). */
    async runQualityRuleFile(input: {
      file: string;
      runId: string;
      interval?: DataInterval;
    }): Promise<TableQualityResult> {
      const path = join(deps.rulesDir, basename(input.file));
      const file = loadRuleFiles(deps.rulesDir).find((f) => f.file === path);
      if (!file) throw ApplicationFailure.nonRetryable(`rule file ${path} does not exist`, ErrorType.BadInput);
      return classified(`quality rules ${path}`, () =>
        withHeartbeat(
          () =>
            lock.run(file.table, async () => {
              const result = await evaluateRuleFile(deps.warehouse, file, {
                runId: input.runId,
                interval: input.interval,
              });
              const failed = result.results.filter((r) => !r.passed).length;
              addToCounter('edp_quality_rules_failed', failed, { table: file.table }, 'Quality rules that failed');
              addToCounter(
                'edp_quality_rows_quarantined',
                result.quarantined,
                { table: file.table },
                'Rows quarantined by quality rules',
              );
              logEvent('quality rules evaluated', {
                table: file.table,
                score: result.score,
                failedRules: failed,
                quarantined: result.quarantined,
              });
              return result;
            }),
          {
            file: input.file,
          },
        ),
      );
    },
  };
}

/** The quality activities as the worker registers them. */
export type QualityActivities = ReturnType<typeof createQualityActivities>;
