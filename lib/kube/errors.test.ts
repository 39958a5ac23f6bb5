import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeKubeError, kubeErrorStatus } from './errors';
import { KubeApiError } from './http';

describe('describeKubeError', () => {
  it('reduces a client-node ApiException to the status and the API server’s message', () => {
    const body = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      message: 'namespaces is forbidden: User "viewer" cannot list resource "namespaces"',
      reason: 'Forbidden',
      code: 403,
    });
    const err = new ApiException(403, 'HTTP-Code: 403 Message: Unknown API Status Code! Body: ...', body, {
      'audit-id': 'x',
    });
    expect(describeKubeError(err)).toBe(
      'Forbidden: namespaces is forbidden: User "viewer" cannot list resource "namespaces"',
    );
    expect(kubeErrorStatus(err)).toBe(403);
  });

  it('keeps a non-JSON body and falls back to the HTTP code', () => {
    expect(describeKubeError(new ApiException(502, 'x', '<html>bad gateway</html>', {}))).toBe('<html>bad gateway</html>');
    expect(describeKubeError(new ApiException(503, 'x', '', {}))).toBe('Unavailable: HTTP 503');
  });

  it('describes raw-request errors and plain errors', () => {
    expect(describeKubeError(new KubeApiError(410, 'Expired', 'too old resource version: 5 (90)'))).toBe(
      'Gone: too old resource version: 5 (90)',
    );
    expect(describeKubeError(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(kubeErrorStatus(new Error('x'))).toBeUndefined();
  });
});
