import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { readBody, requestOptions, toApiError } from '../lib/kube/http';

/**
 * Raw writes for tests (the dashboard itself never writes). Raw rather than client-node's typed
 * APIs because those re-serialise bodies through their models, and the tests must send exactly
 * what kubectl would.
 */
export async function kubeWrite<T = Record<string, unknown>>(
  kc: KubeConfig,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<T> {
  const { status, text, url } = await send(kc, method, path, body, contentType, 'application/json');
  if (status < 200 || status >= 300) throw toApiError(status, text, `${method} ${url.pathname}`);
  return JSON.parse(text) as T;
}

/**
 * A write whose answer is not needed, as a controller built on client-go sends it: the API server
 * answers built-in kinds in protobuf, cheaper for it to encode than JSON, and nothing is parsed
 * here. For load generators that share the machine's cores with what they measure.
 */
export async function kubeWriteUnread(
  kc: KubeConfig,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<void> {
  const { status, text, url } = await send(kc, method, path, body, contentType, 'application/vnd.kubernetes.protobuf, application/json');
  if (status < 200 || status >= 300) {
    // An error Status in protobuf is not readable text: its code is what is left to tell.
    const json = text.startsWith('{');
    throw json ? toApiError(status, text, `${method} ${url.pathname}`) : new Error(`${method} ${url.pathname}: HTTP ${status}`);
  }
}

async function send(
  kc: KubeConfig,
  method: string,
  path: string,
  body: unknown,
  contentType: string,
  accept: string,
): Promise<{ status: number; text: string; url: URL }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const opts = await requestOptions(kc, {
    method,
    headers: { Accept: accept, 'Content-Type': contentType, ...(payload ? { 'Content-Length': payload.length } : {}) },
  });
  // 429 and 503 are answered before a write takes effect (priority and fairness, an API server
  // still starting), so they are tried again: a busy 2-core machine must not fail a test's setup.
  for (let attempt = 1; ; attempt++) {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = https.request(url, { ...opts, timeout: WRITE_TIMEOUT_MS }, resolve);
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${WRITE_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(payload);
    });
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    if ((status === 429 || status === 503) && attempt < 5) {
      const after = Number(res.headers['retry-after']);
      await new Promise((r) => setTimeout(r, Number.isFinite(after) && after > 0 ? Math.min(after, 2) * 1000 : 500 * attempt));
      continue;
    }
    return { status, text, url };
  }
}

const WRITE_TIMEOUT_MS = 60_000;

export interface ObjectRef {
  apiVersion: string;
  /** Plural resource name as in URLs. */
  resource: string;
  namespace?: string;
  name?: string;
}

/** URL path of a collection (no name) or an object. */
export function objectPath(ref: ObjectRef, query: Record<string, string> = {}): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  const qs = new URLSearchParams(query).toString();
  return `${base}${ns}/${ref.resource}${name}${qs ? `?${qs}` : ''}`;
}

export const CONTENT_TYPE = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
