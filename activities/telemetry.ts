import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import { activityContext } from './heartbeat';

const counters = new WeakMap<MetricMeter, Map<string, MetricCounter>>();
const histograms = new WeakMap<MetricMeter, Map<string, MetricHistogram>>();

function instrument<T>(
  cache: WeakMap<MetricMeter, Map<string, T>>,
  meter: MetricMeter,
  name: string,
  make: () => T,
): T {
  let byName = cache.get(meter);
  if (!byName) cache.set(meter, (byName = new Map<string, T>()));
  let found = byName.get(name);
  if (!found) byName.set(name, (found = make()));
  return found;
}

/**
 * Adds to a platform counter, exported with the Temporal SDK's own metrics on the worker's
 * Prometheus endpoint. A no-op outside an activity (CLI, benchmarks).
 */
export function addToCounter(name: string, value: number, tags: MetricTags, description: string, unit = ''): void {
  const ctx = activityContext();
  if (!ctx || value <= 0) return;
  instrument(counters, ctx.metricMeter, name, () => ctx.metricMeter.createCounter(name, unit, description)).add(
    value,
    tags,
  );
}

/** Records a duration in milliseconds on a platform histogram; a no-op outside an activity. */
export function recordMillis(name: string, ms: number, tags: MetricTags, description: string): void {
  const ctx = activityContext();
  if (!ctx) return;
  instrument(histograms, ctx.metricMeter, name, () =>
    ctx.metricMeter.createHistogram(name, 'int', 'ms', description),
  ).record(Math.round(ms), tags);
}

/**
 * Logs an event through the activity's logger, which adds the workflow id, run id, activity type and
 * attempt (JSON lines with `logging.format: json`). A no-op outside an activity.
 */
export function logEvent(message: string, attributes: Record<string, unknown>): void {
  activityContext()?.log.info(message, attributes);
}

const gauges = new WeakMap<MetricMeter, Map<string, MetricGauge>>();

/** Sets a platform gauge; a no-op outside an activity. */
export function setGauge(name: string, value: number, tags: MetricTags, description: string, unit = ''): void {
  const ctx = activityContext();
  if (!ctx) return;
  instrument(gauges, ctx.metricMeter, name, () => ctx.metricMeter.createGauge(name, 'int', unit, description)).set(
    Math.round(value),
    tags,
  );
}
