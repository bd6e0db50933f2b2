import type { IncidentFinding, IncidentScope } from '../activities/alerts';
import { PIPELINE_STEPS, type PipelineStep } from '../lib/ids';
import type { RunStatus } from '../lib/search-attributes';
import { errorClassOf, exhaustedActivities } from './failure-info';
import type { QualityGateResult } from './quality-gate';
import type { TransformResult } from './transform';

/** How a pipeline run ended, as its incidents are derived from it. */
export interface RunOutcome {
  status: RunStatus;
  /** The step that failed, and why (failed runs). */
  failedStep?: PipelineStep;
  error?: unknown;
  /** What the transform and the quality gate returned, when they ran to the end. */
  transform?: TransformResult;
  quality?: QualityGateResult;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What a run found wrong (keys, counts and error classes only) and what it checked: an incident it checked and did
 * not find again has recovered. Tests and rules count only when they ran; a step that failed early checks nothing
 * downstream of it.
 */
export function runIncidents(o: RunOutcome): { found: IncidentFinding[]; checked: IncidentScope[] } {
  const found: IncidentFinding[] = [];
  const checked: IncidentScope[] = [{ kind: 'run-failed' }];
  const failedNodes = o.transform?.models.filter((m) => m.status === 'error' || m.status === 'fail') ?? [];
  if (o.status === 'failed') {
    const why =
      o.failedStep === 'transform' && failedNodes.length > 0
        ? plural(failedNodes.length, 'node') + ' failed'
        : errorClassOf(o.error);
    found.push({ kind: 'run-failed', subject: '', detail: `step ${o.failedStep ?? 'unknown'} failed (${why})` });
    for (const activity of exhaustedActivities(o.error)) {
      found.push({
        kind: 'retries-exhausted',
        subject: `${o.failedStep}:${activity}`,
        detail: `${activity} failed its last attempt (${errorClassOf(o.error)})`,
      });
    }
    // The steps before the failed one finished: their activities' exhausted retries are over.
    for (const done of PIPELINE_STEPS.slice(0, Math.max(0, PIPELINE_STEPS.indexOf(o.failedStep!)))) {
      checked.push({ kind: 'retries-exhausted', subjectPrefix: `${done}:` });
    }
  } else {
    checked.push({ kind: 'retries-exhausted' });
  }
  if (o.transform) {
    checked.push({ kind: 'retries-exhausted', subjectPrefix: 'transform:' });
    for (const m of o.transform.models) {
      if (m.retriesExhausted) {
        found.push({
          kind: 'retries-exhausted',
          subject: `transform:${m.id}`,
          detail: `${m.type} failed its last attempt (${m.errorType ?? 'Error'})`,
        });
      }
      if (m.type !== 'test') continue;
      if (m.status === 'fail' || m.status === 'error') {
        const detail =
          m.status === 'fail'
            ? `${plural(m.rows ?? 0, 'failing row')}`
            : `the test errored (${m.errorType ?? 'Error'})`;
        found.push({ kind: 'test-failed', subject: m.id, detail });
      } else if (m.status === 'success' || m.status === 'warn') {
        checked.push({ kind: 'test-failed', subject: m.id });
      }
    }
  }
  if (o.quality) {
    checked.push({ kind: 'gate-blocked' }, { kind: 'rule-failed' });
    const blocking = o.quality.blocking;
    if (!o.quality.passed) {
      const tables = new Set(blocking.map((r) => r.table)).size;
      found.push({
        kind: 'gate-blocked',
        subject: '',
        detail: `${plural(blocking.length, 'error-severity rule')} failed on ${plural(tables, 'table')}`,
      });
    }
    for (const r of blocking) {
      found.push({
        kind: 'rule-failed',
        subject: `${r.table}:${r.rule}`,
        detail: `${r.type}: ${r.failedRows} of ${r.checkedRows} rows fail`,
      });
    }
  }
  return { found, checked };
}
