import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Pipeline name (Keyword): filter runs with `EdpPipeline = "platform"` in the Web UI. */
export const EDP_PIPELINE = defineSearchAttributeKey('EdpPipeline', SearchAttributeType.KEYWORD);
/** Start of the run's data interval (Datetime): `EdpIntervalStart >= "2026-01-01T00:00:00Z"`. */
export const EDP_INTERVAL_START = defineSearchAttributeKey('EdpIntervalStart', SearchAttributeType.DATETIME);
/** The run's own status (Keyword): running, succeeded, failed, blocked, cancelled. */
export const EDP_STATUS = defineSearchAttributeKey('EdpStatus', SearchAttributeType.KEYWORD);

/** A run's parameters (Keyword), e.g. `full-refresh vars={"region":"east"}`; set only on runs that have some. */
export const EDP_PARAMS = defineSearchAttributeKey('EdpParams', SearchAttributeType.KEYWORD);
/** What started a triggered run (Keyword): `<pipeline>.<step>` of the upstream run. */
export const EDP_TRIGGER = defineSearchAttributeKey('EdpTrigger', SearchAttributeType.KEYWORD);

/** The custom search attributes the dev server must register, as `name=Type` for `--search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS: readonly string[] = [
  'EdpPipeline=Keyword',
  'EdpIntervalStart=Datetime',
  'EdpStatus=Keyword',
  'EdpParams=Keyword',
  'EdpTrigger=Keyword',
];

/** Values of the EdpStatus search attribute. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'blocked' | 'cancelled';
