/**
 * The {@link ProxyGuard} that the proxy, the undici interceptor and the middleware all use: the linter's
 * per-exchange checks (src/inspect) over the rule engine, plus multipart session tracking, judged on
 * the transport of the hop to OBS.
 */
import type { SeverityOverrides } from '../engine/report';
import {
  checkerFor,
  inspectRequest,
  inspectResponse,
  SessionTracker,
  type InspectOptions,
  type RequestInput,
  type RequestInspection,
} from '../inspect';
import { report } from '../inspect/report';
import type { PostData } from '../traffic/exchange';
import { FORM_PEEK_LIMIT, type FormScan, type FormUnread } from '../traffic/form';
import type {
  GuardRequest,
  GuardResponse,
  HeaderPairs,
  ProxyGuard,
  RequestVerdict,
  ResponseFindings,
} from './contract';
import type { Addressing as ClassifierAddressing } from '../traffic/classify';
import { MemoryUploadSessionStore, type UploadSessionStore } from '../traffic/upload-id';
import type { Diagnostic, Dialect } from '../types';
import { blockReason, codesOf, hasError } from './verdict';

/** How the bucket is found: `auto` recognises OBS host names; `path` and `virtual` force one style. */
export type GuardAddressing = ClassifierAddressing;

/** Options of {@link createEngineGuard}. */
export interface EngineGuardOptions {
  /**
   * Default `auto`. With `virtual` and a {@link publicHost}, only hosts `<bucket>.<publicHost>` are read
   * virtual-hosted and every other host path-style: the mapping `obs-sse proxy --addressing virtual` makes.
   */
  addressing?: GuardAddressing;
  /** The host name clients use for a virtual-hosted proxy (`--public-host`); only with `addressing: 'virtual'`. */
  publicHost?: string;
  /** The engine's dialect option; default `auto` (detected from the headers). */
  dialect?: Dialect | 'auto';
  /**
   * Where each multipart upload's SSE-C fingerprint (algorithm and key MD5, never the key) is kept by
   * upload id. Default: a {@link MemoryUploadSessionStore} (50 000 uploads, 24 h idle TTL). Share one
   * store (or a networked implementation) between guard instances that see the same uploads.
   */
  store?: UploadSessionStore;
  /** Per-code severity overrides; `off` drops a code, `warning` stops it from blocking. */
  severity?: SeverityOverrides;
}

/** A verdict whose diagnostics are the engine's. */
export interface EngineVerdict extends RequestVerdict {
  diagnostics: Diagnostic[];
}

/** A non-enumerable symbol key: logs and callers comparing verdicts never see it. */
const INSPECTION = Symbol('obs-sse inspection');
type InspectedVerdict = RequestVerdict & { [INSPECTION]?: RequestInspection };

/** Response findings whose diagnostics are the engine's. */
export interface EngineResponseFindings extends ResponseFindings {
  diagnostics: Diagnostic[];
}

/** The engine-backed guard; a {@link ProxyGuard} with typed diagnostics. */
export interface EngineGuard extends ProxyGuard {
  checkRequest(req: GuardRequest): EngineVerdict;
  checkForm(req: GuardRequest, form: FormScan, verdict: RequestVerdict): EngineVerdict;
  checkResponse(req: GuardRequest, res: GuardResponse, verdict: RequestVerdict): EngineResponseFindings;
  observeResponseBody(
    req: GuardRequest,
    res: GuardResponse,
    body: string | undefined,
    verdict: RequestVerdict,
  ): void;
  /** The multipart session store in use. */
  readonly store: UploadSessionStore;
  sessionEvictions(): number;
}

const NO_CODES: string[] = [];

/** What `form/unchecked` says about each way a form can go unread. */
const UNREAD: Readonly<Record<FormUnread, string>> = {
  limit: `more than ${FORM_PEEK_LIMIT / 1024} KiB of form precede the file part`,
  malformed: 'the body is not valid multipart/form-data',
  incomplete: 'the body ended or broke off before the file part',
};

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}

function hostOf(headers: HeaderPairs): string | undefined {
  for (const [name, value] of headers) {
    if (name.length === 4 && name.toLowerCase() === 'host') return value;
    if (name === ':authority') return value;
  }
  return undefined;
}

function hostname(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** The `uploadId` query parameter of an origin-form target, if any. */
function uploadIdOf(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('uploadId', q)) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('uploadId') ?? undefined;
}

/**
 * Creates the engine-backed guard. Requests are checked with the scheme of the hop to OBS
 * (`GuardRequest.upstreamScheme`) as their transport, whatever the client used to reach the proxy.
 * A verdict blocks exactly when a diagnostic is an error; warnings are logged only. Requests the
 * classifier does not map to an SSE operation (listings, deletes, bucket configuration…) pass with at
 * most an `operation/unlisted-sse` warning.
 *
 * PostObject: its SSE settings are form fields, so the head's verdict asks for the form (`readForm`)
 * and {@link EngineGuard.checkForm} judges the fields read before the file part; a form that could
 * not be read that way is `form/unchecked`, an error by default.
 *
 * Multipart sessions: a successful InitiateMultipartUpload's fingerprint is stored under the upload id
 * its response body names (the proxy hands the body over via `observeResponseBody`), or, without a
 * body, under its bucket and key until the first part's URL names the id. A part whose SSE-C
 * algorithm or key MD5 differs is `session/key-mismatch`, an error. Complete and Abort forget the upload.
 *
 * The guard holds no customer key: the session store keeps MD5 fingerprints, and nothing is cached.
 */
export function createEngineGuard(options: EngineGuardOptions = {}): EngineGuard {
  const inspectOptions: InspectOptions = options.severity ? { severity: options.severity } : {};
  const checker = checkerFor(inspectOptions);
  const store = options.store ?? new MemoryUploadSessionStore();
  const tracker = new SessionTracker({ ...inspectOptions, store });
  const dialect = options.dialect ?? 'auto';
  const addressing = options.addressing ?? 'auto';
  const suffix =
    addressing === 'virtual' && options.publicHost ? `.${options.publicHost.toLowerCase()}` : undefined;

  function addressingFor(headers: HeaderPairs): GuardAddressing {
    if (suffix === undefined) return addressing;
    const host = hostOf(headers);
    if (host === undefined) return 'path';
    const name = hostname(host);
    return name.endsWith(suffix) && name.length > suffix.length ? 'virtual' : 'path';
  }

  function inspect(req: GuardRequest, postData: PostData | undefined): RequestInspection {
    const input: RequestInput = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      addressing: addressingFor(req.headers),
      dialect,
      schemeOverride: req.upstreamScheme,
    };
    if (postData) input.postData = postData;
    return inspectRequest(input, inspectOptions);
  }

  function verdictOf(inspection: RequestInspection, extra: readonly Diagnostic[]): EngineVerdict {
    const diagnostics =
      extra.length === 0 ? [...inspection.diagnostics] : [...inspection.diagnostics, ...extra];
    const verdict: EngineVerdict = {
      block: hasError(diagnostics),
      codes: diagnostics.length === 0 ? NO_CODES : codesOf(diagnostics),
      diagnostics,
    };
    // The request's state rides on its verdict, which every caller hands back to the response hooks. (A
    // WeakMap keyed by request held one ephemeron per exchange and lengthened GC pauses under load.)
    Object.defineProperty(verdict, INSPECTION, { value: inspection, enumerable: false });
    if (inspection.operation !== undefined) verdict.operation = inspection.operation;
    if (verdict.block) verdict.message = blockReason(inspection.operation, diagnostics, checker);
    return verdict;
  }

  return {
    store,

    sessionEvictions(): number {
      return store instanceof MemoryUploadSessionStore ? store.evictions : 0;
    },

    checkRequest(req: GuardRequest): EngineVerdict {
      const inspection = inspect(req, undefined);
      const session = tracker.request(inspection);
      const verdict = verdictOf(inspection, session);
      // PostObject's settings are in the body; the head alone says nothing about them.
      if (inspection.operation === 'PostObject' && !verdict.block) verdict.readForm = true;
      return verdict;
    },

    checkForm(req: GuardRequest, form: FormScan): EngineVerdict {
      const inspection = inspect(req, { params: form.fields.map(([name, value]) => ({ name, value })) });
      const extra: Diagnostic[] = [];
      if (form.unread !== undefined) {
        const d = report(
          'form/unchecked',
          { operation: 'PostObject', direction: 'request', received: UNREAD[form.unread] },
          inspectOptions,
        );
        if (d) extra.push(d);
      }
      return verdictOf(inspection, extra);
    },

    checkResponse(req: GuardRequest, res: GuardResponse, verdict: RequestVerdict): EngineResponseFindings {
      const inspection = (verdict as InspectedVerdict)[INSPECTION];
      if (!inspection) return { codes: NO_CODES, diagnostics: [] };
      const diagnostics = [
        ...inspectResponse(inspection, { status: res.status, headers: res.headers }, inspectOptions),
      ];
      const findings: EngineResponseFindings = {
        codes: diagnostics.length === 0 ? NO_CODES : codesOf(diagnostics),
        diagnostics,
      };
      const c = inspection.classification;
      if (c.kind === 'operation' && c.operation === 'InitiateMultipartUpload' && isSuccess(res.status)) {
        findings.wantBody = true;
      } else if (c.kind === 'operation') {
        tracker.response(inspection, { status: res.status });
      } else if (req.method === 'DELETE' && isSuccess(res.status)) {
        // AbortMultipartUpload is no SSE operation to the classifier, but it ends a session all the same.
        const uploadId = uploadIdOf(req.url);
        if (uploadId !== undefined) store.delete(uploadId);
      }
      return findings;
    },

    observeResponseBody(
      req: GuardRequest,
      res: GuardResponse,
      body: string | undefined,
      verdict: RequestVerdict,
    ): void {
      const inspection = (verdict as InspectedVerdict)[INSPECTION];
      if (!inspection) return;
      const response: { status: number; body?: string } = { status: res.status };
      if (body !== undefined) response.body = body;
      tracker.response(inspection, response);
    },
  };
}
