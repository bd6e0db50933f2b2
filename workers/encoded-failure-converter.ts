import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Temporal's failure converter with messages and stack traces moved into an encoded payload, so the
 * payload codec encrypts them. Loaded by path (`failureConverterPath`): the worker bundles it into the
 * workflow sandbox, so it imports nothing but the SDK.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
