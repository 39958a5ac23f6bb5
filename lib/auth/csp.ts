/**
 * The Content-Security-Policy of every page: scripts only from this origin and only with the
 * per-request nonce (Next reads it from the request's CSP header and stamps its own scripts), so
 * markup injected through cluster data could not run even if it reached the DOM unescaped.
 * Styles allow inline: React's `style` attributes and Recharts need them, and a style cannot run code.
 */
import { randomBytes } from 'node:crypto';

export const NONCE_HEADER = 'x-nonce';

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** `frameAncestors` is a full directive (`frame-ancestors 'none'`, or the embed allow-list). */
export function pageCsp(nonce: string, frameAncestors: string, dev = process.env.NODE_ENV !== 'production'): string {
  return [
    "default-src 'self'",
    // React's development build evaluates code for its debugging aids; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    frameAncestors,
  ].join('; ');
}

/** API answers are data, never documents: nothing may load from them, nobody may frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";
