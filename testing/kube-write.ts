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
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const opts = await requestOptions(kc, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': contentType, ...(payload ? { 'Content-Length': payload.length } : {}) },
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
    if (status < 200 || status >= 300) throw toApiError(status, text, `${method} ${url.pathname}`);
    return JSON.parse(text) as T;
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
