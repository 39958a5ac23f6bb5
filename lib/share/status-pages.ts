/**
 * Small self-contained HTML pages that proxy.ts answers with when a status code matters more
 * than the app shell: 410 for an expired or revoked snapshot, 401 for a refused embed. Every interpolated
 * value is escaped.
 */
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Driftwatch</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:0;padding:3rem 1.5rem;background:#f7f8fa;color:#1b1f24}main{max-width:40rem;margin:auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:1.5rem 2rem}h1{font-size:1.4rem;margin-top:0}code{overflow-wrap:anywhere}a{color:#2458c6}@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e9ed}main{background:#1a1e24;border-color:#333a44}a{color:#7aa7ff}}</style></head>
<body><main>${body}</main></body></html>`;
}

const objectHref = (id: string) => `/objects?id=${encodeURIComponent(id)}`;

const timeTag = (d: Date) => `<time datetime="${d.toISOString()}">${escapeHtml(d.toISOString())}</time>`;

/** 410 for a snapshot that expired, or whose link was revoked. */
export function goneSnapshotPage(p: { state: 'expired'; createdAt: Date; expiresAt: Date; subject: string } | { state: 'revoked'; createdAt: Date; revokedAt: Date; subject: string }): string {
  const [title, heading, ended] = p.state === 'expired' ? ['Snapshot expired', 'This snapshot has expired', `expired at ${timeTag(p.expiresAt)}`] : ['Snapshot revoked', 'This snapshot link was revoked', `its link was revoked at ${timeTag(p.revokedAt)}`];
  return page(
    title,
    `<h1 data-testid="snapshot-${p.state}">${heading}</h1>
<p>It was taken at ${timeTag(p.createdAt)} and ${ended}; what it showed is no longer kept.</p>
<p>The object as it is now: <a data-testid="snapshot-live-link" href="${escapeHtml(objectHref(p.subject))}"><code>${escapeHtml(p.subject)}</code></a></p>`,
  );
}

export function embedRefusedPage(reason: string): string {
  return page('Embed refused', `<h1>This embed is not allowed</h1><p data-testid="embed-refused">${escapeHtml(reason)}</p>`);
}

export function embedUnavailablePage(reason: string): string {
  return page('Embed unavailable', `<h1>Embeds are not available</h1><p>${escapeHtml(reason)}</p>`);
}
