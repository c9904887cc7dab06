/**
 * A structural check of HAR 1.2 documents (http://www.softwareishard.com/blog/har-12-spec/): every
 * field the spec requires is present with the right type. Returns the problems found, so a failing
 * test says what is missing where.
 */
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function nameValues(v: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(v)) {
    problems.push(`${where}: not an array`);
    return;
  }
  v.forEach((nv, i) => {
    if (!isObj(nv) || typeof nv.name !== 'string' || typeof nv.value !== 'string') {
      problems.push(`${where}[${i}]: needs string name and value`);
    }
  });
}

function requireTypes(
  o: Record<string, unknown>,
  spec: Record<string, string>,
  where: string,
  problems: string[],
): void {
  for (const [field, type] of Object.entries(spec)) {
    const actual = Array.isArray(o[field]) ? 'array' : typeof o[field];
    if (actual !== type) problems.push(`${where}.${field}: expected ${type}, got ${actual}`);
  }
}

/** Problems with `har` as a HAR 1.2 document; empty when it is valid. */
export function harProblems(har: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(har) || !isObj(har.log)) return ['no log object'];
  const log = har.log;
  if (log.version !== '1.2') problems.push(`log.version: ${String(log.version)}`);
  if (!isObj(log.creator)) problems.push('log.creator missing');
  else requireTypes(log.creator, { name: 'string', version: 'string' }, 'log.creator', problems);
  if (!Array.isArray(log.entries)) return [...problems, 'log.entries missing'];
  log.entries.forEach((e: unknown, i: number) => {
    const w = `entries[${i}]`;
    if (!isObj(e)) {
      problems.push(`${w}: not an object`);
      return;
    }
    requireTypes(
      e,
      {
        startedDateTime: 'string',
        time: 'number',
        request: 'object',
        response: 'object',
        cache: 'object',
        timings: 'object',
      },
      w,
      problems,
    );
    if (typeof e.startedDateTime === 'string' && Number.isNaN(Date.parse(e.startedDateTime))) {
      problems.push(`${w}.startedDateTime: not a date`);
    }
    if (isObj(e.request)) {
      const r = e.request;
      requireTypes(
        r,
        { method: 'string', url: 'string', httpVersion: 'string', headersSize: 'number', bodySize: 'number' },
        `${w}.request`,
        problems,
      );
      nameValues(r.cookies, `${w}.request.cookies`, problems);
      nameValues(r.headers, `${w}.request.headers`, problems);
      nameValues(r.queryString, `${w}.request.queryString`, problems);
      if (r.postData !== undefined) {
        if (!isObj(r.postData) || typeof r.postData.mimeType !== 'string')
          problems.push(`${w}.request.postData.mimeType missing`);
        else if (r.postData.params !== undefined && r.postData.text !== undefined) {
          problems.push(`${w}.request.postData: params and text are mutually exclusive`);
        }
      }
    }
    if (isObj(e.response)) {
      const r = e.response;
      requireTypes(
        r,
        {
          status: 'number',
          statusText: 'string',
          httpVersion: 'string',
          content: 'object',
          redirectURL: 'string',
          headersSize: 'number',
          bodySize: 'number',
        },
        `${w}.response`,
        problems,
      );
      nameValues(r.cookies, `${w}.response.cookies`, problems);
      nameValues(r.headers, `${w}.response.headers`, problems);
      if (isObj(r.content))
        requireTypes(r.content, { size: 'number', mimeType: 'string' }, `${w}.response.content`, problems);
    }
    if (isObj(e.timings)) {
      for (const t of ['send', 'wait', 'receive']) {
        const v = e.timings[t];
        if (typeof v !== 'number' || v < 0) problems.push(`${w}.timings.${t}: must be a non-negative number`);
      }
    }
  });
  return problems;
}
