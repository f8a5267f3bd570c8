/**
 * Failures' messages and stack traces travel as an encoded payload (encodeCommonAttributes), so the
 * payload codec encrypts them like every other payload: an error that quotes a debtor's name or
 * address is not readable in Temporal's history. The SDK decodes them back for clients and
 * workflows. Loaded by path (DataConverter.failureConverterPath): the workflow bundle includes it,
 * so it imports nothing but @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
