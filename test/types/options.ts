/**
 * Type tests for createChecker's options: severity keys are the generated DiagnosticCode union, levels the
 * four documented ones. Checked by `tsc --noEmit -p test/types` with the other type tests.
 */
import type { DiagnosticCode, HeaderName } from '../../generated/types';
import { createChecker, type SeverityOverrides } from '../../src';

export const ok = createChecker({ severity: { 'sse-c/md5-mismatch': 'warning', 'form/unchecked': 'off' } });
// @ts-expect-error a misspelt code
export const misspelt = createChecker({ severity: { 'sse-c/md5-mismatchh': 'off' } });
// @ts-expect-error levels are lower-case
export const upper = createChecker({ severity: { 'sse-c/md5-mismatch': 'ERROR' } });
// @ts-expect-error 'of' is not 'off'
export const of: SeverityOverrides = { 'header/unknown': 'of' };
// A checker of another rule set types its own codes.
export const custom: SeverityOverrides<'my/code'> = { 'my/code': 'info' };

export const code: DiagnosticCode = 'sse-c/incomplete';
// @ts-expect-error not a code
export const notCode: DiagnosticCode = 'sse-c/complete';
export const obsName: HeaderName = 'x-obs-server-side-encryption-customer-key-md5';
export const s3Name: HeaderName = 'x-amz-server-side-encryption-aws-kms-key-id';
// @ts-expect-error not a catalogue name
export const notName: HeaderName = 'x-obs-server-side-encryption-key';
