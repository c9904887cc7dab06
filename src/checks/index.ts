import { allOrNone } from './all-or-none';
import { forbidden } from './forbidden';
import { matches } from './matches';
import { keyInUrl } from './key-in-url';
import { md5Of } from './md5-of';
import { mutuallyExclusive } from './mutually-exclusive';
import { requires } from './requires';
import { transport } from './transport';
import type { CheckKind } from './types';

/**
 * The closed registry of check kinds that rule data may name. A kind missing here is a load error, never a
 * silent pass.
 */
export const CHECK_KINDS: ReadonlyMap<string, CheckKind<never>> = new Map(
  [allOrNone, md5Of, mutuallyExclusive, requires, forbidden, transport, matches, keyInUrl].map((k) => [
    k.kind,
    k as CheckKind<never>,
  ]),
);

export type { Check, CheckKind, CompileContext, Report, ReportInput } from './types';
