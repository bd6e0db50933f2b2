import { ApplicationFailure } from '@temporalio/common';
import { existsSync } from 'node:fs';
import type { KafkaConfig, StreamingConfig, StreamTopicConfig } from '../../lib/config/schema';
import { ErrorType } from '../errors';
import { loadRuleFiles, RuleFileError, type RuleFile } from '../quality';
import type { Warehouse } from '../warehouse';

/** What the streaming activities need from the worker. */
export interface StreamDeps {
  warehouse: Warehouse;
  kafka: KafkaConfig;
  streaming: StreamingConfig;
  /** Quality rule files; one for `staging.<table>` checks every micro-batch before it merges. */
  rulesDir?: string;
}

/** The rule file written for a topic's staging table, if there is one. */
export function stagingRules(deps: Pick<StreamDeps, 'rulesDir'>, t: StreamTopicConfig): RuleFile | undefined {
  if (!deps.rulesDir || !existsSync(deps.rulesDir)) return undefined;
  try {
    return loadRuleFiles(deps.rulesDir).find((f) => f.table === `staging.${t.table}`);
  } catch (err) {
    if (err instanceof RuleFileError) throw ApplicationFailure.nonRetryable(err.message, ErrorType.BadInput);
    throw err;
  }
}

/** Looks a topic up in config; unknown ones are a non-retryable error naming the configured ones. */
export function streamTopic(deps: Pick<StreamDeps, 'streaming'>, topic: string): StreamTopicConfig {
  const found = deps.streaming.topics.find((t) => t.topic === topic || t.table === topic);
  if (!found) {
    throw ApplicationFailure.nonRetryable(
      `unknown stream topic "${topic}" (configured: ${deps.streaming.topics.map((t) => t.topic).join(', ') || 'none'})`,
      ErrorType.BadInput,
    );
  }
  return found;
}
