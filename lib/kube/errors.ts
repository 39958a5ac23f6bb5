import { ApiException } from '@kubernetes/client-node';
import { KubeApiError } from './http';

const statusNames: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  410: 'Gone',
  429: 'Too many requests',
  500: 'API server error',
  503: 'Unavailable',
};

/**
 * One readable line for any error from the cluster: the HTTP status and the API server's own
 * message (client-node's ApiException otherwise dumps the raw body and every response header).
 */
export function describeKubeError(err: unknown): string {
  if (err instanceof KubeApiError) return withStatus(err.status, err.message);
  if (err instanceof ApiException) {
    return withStatus(err.code, statusMessage(err.body) ?? `HTTP ${err.code}`);
  }
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP status of a cluster error, when it has one (0 for connection failures). */
export function kubeErrorStatus(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.status;
  if (err instanceof ApiException) return err.code;
  return undefined;
}

function withStatus(code: number, message: string): string {
  const name = statusNames[code];
  return name ? `${name}: ${message}` : message;
}

function statusMessage(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
    return parsed.message;
  }
  return undefined;
}
