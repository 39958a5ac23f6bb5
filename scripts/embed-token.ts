/**
 * Mints a signed embed token (lib/share/embed-token.ts) with the key the dashboard uses:
 *   DRIFTWATCH_EMBED_TOKEN_SECRET=… npx tsx scripts/embed-token.ts --view drift --param 'selector=app=shop' --ttl 30d
 * Prints the token; append it to the embed URL as `&token=…`.
 */
import { loadDashboardConfig } from '../lib/config/dashboard-config';
import { createEmbedToken, EMBED_VIEWS, type EmbedView } from '../lib/share/embed-token';

const USAGE = `Usage: npx tsx scripts/embed-token.ts --view overview|drift|object [--param key=value]... [--ttl 30d]
The key comes from embed.tokenSecret in DRIFTWATCH_CONFIG or DRIFTWATCH_EMBED_TOKEN_SECRET.
--param pins a query parameter of the embed URL (e.g. selector=app=shop, id=cluster/group/kind/ns/name).
--ttl: lifetime as <n>m, <n>h or <n>d (default 30d, at most 366d).`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
let view: EmbedView | undefined;
const params: Record<string, string> = {};
let ttlMs = 30 * UNITS.d!;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = argv[i + 1];
  if (a === '--help' || a === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if (a === '--view' && v) {
    if (!(EMBED_VIEWS as readonly string[]).includes(v)) fail(`unknown view ${v}`);
    view = v as EmbedView;
    i++;
  } else if (a === '--param' && v) {
    const eq = v.indexOf('=');
    if (eq <= 0) fail(`--param wants key=value, got ${v}`);
    params[v.slice(0, eq)] = v.slice(eq + 1);
    i++;
  } else if (a === '--ttl' && v) {
    const m = /^(\d+)([mhd])$/.exec(v);
    if (!m) fail(`--ttl wants <n>m, <n>h or <n>d, got ${v}`);
    ttlMs = Number(m[1]) * UNITS[m[2]!]!;
    i++;
  } else fail(`unexpected argument ${a ?? ''}`);
}
if (!view) fail('--view is required');
const secret = loadDashboardConfig().embed.tokenSecret;
if (!secret) fail('no key: set embed.tokenSecret in the configuration file or DRIFTWATCH_EMBED_TOKEN_SECRET');
try {
  process.stdout.write(`${createEmbedToken(secret, { view, params, ttlMs })}\n`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
