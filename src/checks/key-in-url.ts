import { urlKeyParams } from '../redact';
import type { CheckKind } from './types';

/**
 * A request whose URL carries a customer key, in the query or the fragment, under a key name
 * (`SSECustomerKey`, `x-obs-server-side-encryption-customer-key`, however escaped) or as a bare 256-bit
 * key in base64. URLs are written to every access log, proxy and history on the way, so the key must
 * travel in a header. Reads the request URL, not the headers: it runs whenever a URL is given.
 */
export const keyInUrl: CheckKind<Record<string, never>> = {
  kind: 'key-in-url',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  compile() {
    return {
      triggers: 0,
      url: true,
      test: (s) => s.url === undefined || urlKeyParams(s.url).length === 0,
      explain(s, report) {
        // Parameters are named as sent (decoded); a name that is itself a key reads as redacted.
        for (const name of urlKeyParams(s.url ?? '')) report(s, { name });
      },
    };
  },
};
