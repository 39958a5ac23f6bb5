/**
 * The dashboard's one configuration file (YAML or JSON, `DRIFTWATCH_CONFIG` or `--config`) plus
 * environment variables for the common cases. Validated here with zod so that everything past
 * this point works with plain, complete values. docs/configuration.md documents every key.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { REDACTION_KEY_MIN_BYTES } from '../drift/secrets';
import { issueLines } from './config-issues';
import { DriftConfigError, driftConfigSchema } from './drift-config';
import { listVariable } from './env-list';
import { CRASHES_DEFAULTS, crashesSchema } from './crashes-config';
import { AUTH_DEFAULTS, authFieldsSchema, authFromEnv, authProblems, LIMITS_DEFAULTS, limitsSchema } from '../auth/auth-config';
import { DATABASE_URL_ENV, storeOptionsSchema } from '../store/config';

const nonEmpty = z.string().min(1);

export const SOURCE_TYPES = ['manifest-dir', 'last-applied', 'owner-template'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

const resourcePattern = nonEmpty.regex(/^[A-Za-z0-9*-]+(\.[a-z0-9*.-]+)?$/, {
  message: 'a resource pattern is `resource` or `resource.group` as in kubectl (`deployments.apps`, `secret`, `Deployment.apps`, `*.example.com`)',
});

/** A cluster's name is the first part of every object id (`cluster/group/kind/namespace/name`) and appears in URLs. */
const CLUSTER_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The name of a cluster configured without one: its context's, with every run of other
 * characters made a dash — an EKS context (`arn:aws:eks:eu-west-1:123456789012:cluster/prod`)
 * holds `/` and `:`, and a `/` in the name would split object ids in the wrong place.
 */
export function clusterNameFromContext(context: string): string {
  if (CLUSTER_NAME.test(context)) return context;
  return context.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'default';
}

const clusterSchema = z
  .object({
    /** Shown in the UI and used in URLs; default: the context name (clusterNameFromContext). */
    name: nonEmpty.regex(CLUSTER_NAME, { message: 'letters, digits, dot, dash and underscore only (it appears in URLs)' }).optional(),
    context: nonEmpty.optional(),
    kubeconfig: nonEmpty.optional(),
  })
  .strict();

const manifestSchema = z.union([
  nonEmpty.transform((path) => ({ path })),
  z
    .object({
      path: nonEmpty,
      /** Cluster names this directory describes; default: every cluster. */
      clusters: z.array(nonEmpty).min(1).optional(),
      defaultNamespace: nonEmpty.optional(),
    })
    .strict(),
]);

const watchSchema = z
  .object({
    pods: z.boolean().default(true),
    customResources: z.boolean().default(true),
    /** Every kind that appears in the desired manifests. */
    desiredKinds: z.boolean().default(true),
    include: z.array(resourcePattern).default([]),
    exclude: z.array(resourcePattern).default([]),
    /** Only these namespaces; default all. */
    namespaces: z.array(nonEmpty).min(1, { message: 'list at least one namespace, or leave the key out to watch them all' }).optional(),
  })
  .strict();

/** A CSP source for frame-ancestors: an http(s) origin, optionally with a `*.` host wildcard. */
const frameOrigin = nonEmpty
  .transform((s) => s.trim().replace(/\/+$/, ''))
  .pipe(
    z
      .string()
      .regex(/^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, {
        message: 'an origin such as `https://backstage.example.com` or `https://*.example.com:8443` (scheme and host, no path)',
      })
      // `https://*.com` would let every site under a top-level domain frame the embeds.
      .refine((o) => !/^https?:\/\/\*\.[^.:]+(:[0-9]+)?$/.test(o), { message: 'a wildcard needs a domain of at least two labels under it (`https://*.example.com`, not `https://*.com`)' }),
  );

const embedSchema = z
  .object({
    /** Origins allowed to frame /embed/* (CSP frame-ancestors). Every other route refuses framing. */
    allowedOrigins: z.array(frameOrigin).default([]),
    /** HMAC key for signed embed tokens; at least 32 characters. */
    tokenSecret: z.string().min(32, { message: 'at least 32 characters' }).optional(),
    /** Refuse /embed/* without a valid token (needs tokenSecret: embedProblems). */
    requireToken: z.boolean().default(false),
  })
  .strict();

export type EmbedConfig = z.infer<typeof embedSchema>;

function embedProblems(e: EmbedConfig): string[] {
  return e.requireToken && e.tokenSecret === undefined ? ['requireToken needs tokenSecret (or DRIFTWATCH_EMBED_TOKEN_SECRET)'] : [];
}

/**
 * Every key, each checked on its own. What keys say about each other (crossKeyProblems) is
 * checked apart: in the file a key may be left to its environment variable (`auth.mode: token`
 * with DRIFTWATCH_AUTH_TOKEN), so only the configuration in force, environment applied, can tell.
 */
const dashboardFieldsSchema = driftConfigSchema
  .extend({
    clusters: z.array(clusterSchema).optional(),
    manifests: z.array(manifestSchema).default([]),
    /**
     * Worker threads that parse a large manifest load (the first, a big checkout) beside the
     * server's thread; 0 parses on it. Default: one per core beyond the first, 1 to 4.
     */
    manifestParseThreads: z.number().int().min(0).max(16).optional(),
    sources: z.array(z.enum(SOURCE_TYPES)).min(1).default([...SOURCE_TYPES]),
    watch: watchSchema.default({ pods: true, customResources: true, desiredKinds: true, include: [], exclude: [] }),
    dataDir: nonEmpty.optional(),
    embed: embedSchema.default({ allowedOrigins: [], requireToken: false }),
    crashes: crashesSchema.default({ ...CRASHES_DEFAULTS }),
    auth: authFieldsSchema.default({ ...AUTH_DEFAULTS }),
    limits: limitsSchema.default({ ...LIMITS_DEFAULTS }),
  })
  .strict();

export type DashboardConfig = z.infer<typeof dashboardFieldsSchema>;

/** Contradictions between keys of a complete configuration, each at the section it concerns. */
function crossKeyProblems(cfg: DashboardConfig): Array<{ section: 'auth' | 'embed'; message: string }> {
  return [...authProblems(cfg.auth).map((message) => ({ section: 'auth' as const, message })), ...embedProblems(cfg.embed).map((message) => ({ section: 'embed' as const, message }))];
}

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ManifestConfig = { path: string; clusters?: string[]; defaultNamespace?: string };

/** The one form of a configuration error: where, then one indented line per problem. */
function invalid(origin: string, lines: ReadonlyArray<string>): never {
  throw new DriftConfigError(`${origin}: invalid configuration:\n${lines.join('\n')}`);
}

function refuse(schema: z.ZodType, issues: ReadonlyArray<z.core.$ZodIssue>, origin: string): never {
  return invalid(origin, issueLines(schema, issues));
}

/** Each key of a document on its own; relative paths resolve against `baseDir`. */
function parseFields(raw: unknown, origin: string, baseDir = process.cwd()): DashboardConfig {
  const res = dashboardFieldsSchema.safeParse(raw ?? {});
  if (!res.success) return refuse(dashboardFieldsSchema, res.error.issues, origin);
  const cfg = res.data;
  // `~/` is the home directory, as a shell would have it: a file is read without one.
  const path = (p: string) => resolve(baseDir, p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);
  cfg.manifests = cfg.manifests.map((m) => ({ ...m, path: path(m.path) }));
  if (cfg.dataDir) cfg.dataDir = path(cfg.dataDir);
  for (const c of cfg.clusters ?? []) if (c.kubeconfig) c.kubeconfig = path(c.kubeconfig);
  return cfg;
}

// On the parsed values, not by parsing them again: transforms are not idempotent (a `driftWindow`
// of 900000 ms would be read back as seconds).
function refuseCrossKeyProblems(cfg: DashboardConfig, origin: string): void {
  const problems = crossKeyProblems(cfg);
  if (problems.length > 0) invalid(origin, problems.map((p) => `  ${p.section}: ${p.message}`));
}

/**
 * Validates a complete document (every key, and the keys against each other); `origin` names it
 * in errors. Relative paths resolve against `baseDir`.
 */
export function parseDashboardConfig(raw: unknown, origin: string, baseDir = process.cwd()): DashboardConfig {
  const cfg = parseFields(raw, origin, baseDir);
  refuseCrossKeyProblems(cfg, origin);
  return cfg;
}

/**
 * A configuration file, each key checked. Not yet against each other: the environment may
 * complete it (loadDashboardConfig checks the result).
 */
export function readDashboardConfigFile(file: string): DashboardConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DriftConfigError(`cannot read configuration ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseDashboardConfigText(text, file);
}

/**
 * A configuration file's text (YAML or JSON), read by the caller; `file` names it in errors and
 * anchors its relative paths. As readDashboardConfigFile, the keys are not checked against each
 * other: the CLI reads only the drift options of a file whose auth the environment completes.
 */
export function parseDashboardConfigText(text: string, file: string): DashboardConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new DriftConfigError(`${file}: not valid YAML or JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseFields(raw, file, dirname(resolve(file)));
}

/**
 * A yes/no variable. Anything unrecognised is an error rather than "no": a typo in a switch that
 * turns a protection on (`DRIFTWATCH_EMBED_REQUIRE_TOKEN=ture`) must not leave it off in silence.
 */
function envBoolean(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new DriftConfigError(`environment (${name}): "${value}" is not a yes/no value; use true or false (also 1/0, yes/no, on/off)`);
}

/** The configuration this server process runs with, or why it has none. */
export type ConfigInForce = { ok: true; config: DashboardConfig } | { ok: false; error: string };

// On globalThis: scripts/serve.ts, proxy.ts and the routes are separate bundles of one process.
const IN_FORCE = Symbol.for('driftwatch.config.in-force');

interface InForceHolder {
  [IN_FORCE]?: ConfigInForce;
}

function rememberInForce(result: ConfigInForce): void {
  const holder = globalThis as InForceHolder;
  holder[IN_FORCE] ??= result.ok ? { ok: true, config: structuredClone(result.config) } : result;
}

/**
 * The configuration the process started with: what the first loadDashboardConfig() of the
 * process's environment found (scripts/serve.ts's, before any request, which gates /api/*), or,
 * when none has run, read now. Never read again: a request handler that read the file itself would
 * disagree with the gate once the file changed (a session signed with a key the gate no longer
 * takes: a sign-in loop), and a broken file would make it throw.
 */
export function currentDashboardConfig(): ConfigInForce {
  const holder = globalThis as InForceHolder;
  if (holder[IN_FORCE] === undefined) {
    try {
      loadDashboardConfig();
    } catch {
      // Remembered by loadDashboardConfig: the reason is returned below.
    }
  }
  return holder[IN_FORCE] ?? { ok: false, error: 'the configuration could not be read' };
}

/**
 * The configuration in force: the file named by DRIFTWATCH_CONFIG (if any), then environment
 * variables on top, because a container or a quick local run is configured through them:
 * DRIFTWATCH_CONTEXTS (comma-separated), DRIFTWATCH_CONTEXT, DRIFTWATCH_KUBECONFIG,
 * DRIFTWATCH_MANIFESTS (path-separated), DRIFTWATCH_DATA_DIR, DRIFTWATCH_FIELD_MANAGER,
 * DRIFTWATCH_EMBED_ORIGINS (comma- or space-separated), DRIFTWATCH_EMBED_TOKEN_SECRET,
 * DRIFTWATCH_EMBED_REQUIRE_TOKEN (true/false), DRIFTWATCH_MANIFEST_PARSE_THREADS, and the auth
 * variables (lib/auth/auth-config.ts). Read anew at each call; the first read of the process's
 * own environment is also what currentDashboardConfig() answers from then on.
 */
export function loadDashboardConfig(env: Record<string, string | undefined> = process.env): DashboardConfig {
  if (env !== process.env) return loadFrom(env);
  try {
    const config = loadFrom(env);
    rememberInForce({ ok: true, config });
    return config;
  } catch (err) {
    rememberInForce({ ok: false, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

function loadFrom(env: Record<string, string | undefined>): DashboardConfig {
  const cfg = env.DRIFTWATCH_CONFIG ? readDashboardConfigFile(env.DRIFTWATCH_CONFIG) : parseFields({}, 'defaults');
  const contexts = listVariable(env, 'DRIFTWATCH_CONTEXTS', 'context', /,/) ?? (env.DRIFTWATCH_CONTEXT ? [env.DRIFTWATCH_CONTEXT] : []);
  if (contexts.length > 0) cfg.clusters = contexts.map((context) => ({ context, kubeconfig: env.DRIFTWATCH_KUBECONFIG }));
  else if (env.DRIFTWATCH_KUBECONFIG && !cfg.clusters) cfg.clusters = [{ kubeconfig: env.DRIFTWATCH_KUBECONFIG }];
  const manifests = listVariable(env, 'DRIFTWATCH_MANIFESTS', 'directory', /:/);
  if (manifests) cfg.manifests = manifests.map((p) => ({ path: resolve(p) }));
  if (env.DRIFTWATCH_DATA_DIR) cfg.dataDir = resolve(env.DRIFTWATCH_DATA_DIR);
  if (env.DRIFTWATCH_FIELD_MANAGER) cfg.fieldManager = env.DRIFTWATCH_FIELD_MANAGER;
  if (env.DRIFTWATCH_MANIFEST_PARSE_THREADS) {
    const threads = env.DRIFTWATCH_MANIFEST_PARSE_THREADS.trim();
    if (!/^\d+$/.test(threads)) throw new DriftConfigError(`environment (DRIFTWATCH_MANIFEST_PARSE_THREADS): "${threads}" is not a whole number of threads (0 to 16; 0 parses on the server's thread)`);
    cfg.manifestParseThreads = parseFields({ manifestParseThreads: Number(threads) }, 'environment (DRIFTWATCH_MANIFEST_PARSE_THREADS)').manifestParseThreads;
  }
  // Checked here so that `npm start` refuses them at once; the store and the key are opened with the runtime.
  const databaseUrl = env[DATABASE_URL_ENV];
  if (databaseUrl) {
    const checked = storeOptionsSchema.shape.databaseUrl.safeParse(databaseUrl);
    if (!checked.success) throw new DriftConfigError(`environment (${DATABASE_URL_ENV}): ${checked.error.issues.map((i) => i.message).join('; ')} (unset it to keep history in SQLite under the data directory)`);
  }
  const redactionKey = env.DRIFTWATCH_REDACTION_KEY;
  if (redactionKey && Buffer.byteLength(redactionKey) < REDACTION_KEY_MIN_BYTES) {
    throw new DriftConfigError(`environment (DRIFTWATCH_REDACTION_KEY): at least ${REDACTION_KEY_MIN_BYTES} characters, not ${Buffer.byteLength(redactionKey)}`);
  }
  const embedEnv: Record<string, unknown> = {};
  const origins = listVariable(env, 'DRIFTWATCH_EMBED_ORIGINS', 'origin');
  if (origins) embedEnv.allowedOrigins = origins;
  if (env.DRIFTWATCH_EMBED_TOKEN_SECRET) embedEnv.tokenSecret = env.DRIFTWATCH_EMBED_TOKEN_SECRET;
  if (env.DRIFTWATCH_EMBED_REQUIRE_TOKEN) embedEnv.requireToken = envBoolean('DRIFTWATCH_EMBED_REQUIRE_TOKEN', env.DRIFTWATCH_EMBED_REQUIRE_TOKEN);
  if (Object.keys(embedEnv).length > 0) {
    // Validated like the file, so a bad origin in the environment gets the same clear message.
    cfg.embed = parseFields({ embed: { ...cfg.embed, ...embedEnv } }, 'environment (DRIFTWATCH_EMBED_*)').embed;
  }
  const authEnv = authFromEnv(cfg.auth, env);
  if (authEnv) cfg.auth = parseFields({ auth: authEnv }, 'environment (DRIFTWATCH_AUTH_*, DRIFTWATCH_SESSION_SECRET, DRIFTWATCH_TRUSTED_PROXIES, DRIFTWATCH_ALLOWED_GROUPS)').auth;
  refuseDuplicateClusterNames(cfg.clusters ?? [], contexts.length > 0 ? 'environment (DRIFTWATCH_CONTEXTS)' : (env.DRIFTWATCH_CONFIG ?? 'configuration'));
  // Once, on what is in force: a key the file leaves to the environment is there by now.
  refuseCrossKeyProblems(cfg, env.DRIFTWATCH_CONFIG ? `${env.DRIFTWATCH_CONFIG} with the environment` : 'environment');
  return cfg;
}

/**
 * Two clusters with one name would share object ids: refused at start, as far as the names are
 * known before any kubeconfig is read (given, or derived from a named context).
 */
function refuseDuplicateClusterNames(clusters: ReadonlyArray<ClusterConfig>, origin: string): void {
  const seen = new Map<string, number>();
  clusters.forEach((c, i) => {
    const name = c.name ?? (c.context === undefined ? undefined : clusterNameFromContext(c.context));
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) throw new DriftConfigError(`${origin}: clusters[${first}] and clusters[${i}] are both named ${name}: give each a distinct name`);
    seen.set(name, i);
  });
}

/** What the cluster serves, for resolving patterns without a group as kubectl does. */
export interface ResourceNames {
  /** The resource's short names (`deploy`, `cm`), matched exactly. */
  shortNames?: ReadonlyArray<string>;
  /** The resource's kind: kubectl takes it, in any case, for the singular name (`secret`, `Secret`). */
  kind?: string;
  /** Names and short names the core group serves: a pattern without a group means those first. */
  coreNames?: ReadonlySet<string>;
}

/**
 * kubectl-style resource patterns: `pods`, `deployments.apps`, `*.example.com`, `widgets.*`, short
 * names (`deploy`). Without a group a pattern means what kubectl would take it for: the core
 * group's resource of that name when there is one (`pods`, not metrics.k8s.io's), otherwise that
 * resource in whichever group serves it (`deployments` is apps', `ingresses` networking.k8s.io's).
 */
export function resourceMatches(pattern: string, resource: string, group: string, names: ResourceNames = {}): boolean {
  const dot = pattern.indexOf('.');
  const rPat = dot < 0 ? pattern : pattern.slice(0, dot);
  const gPat = dot < 0 ? '' : pattern.slice(dot + 1);
  const glob = (pat: string, s: string) => new RegExp(`^${pat.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(s);
  const isGlob = rPat.includes('*');
  // Names in any case, as kubectl lowercases what it is given (`PODS`, `Secret`).
  const lower = rPat.toLowerCase();
  const singular = !isGlob && names.kind !== undefined && lower === names.kind.toLowerCase();
  const nameMatches = glob(lower, resource) || singular || (!isGlob && (names.shortNames?.includes(lower) ?? false));
  if (!nameMatches) return false;
  if (dot >= 0) return glob(gPat, group);
  if (rPat === '*' || group === '') return true;
  // kubectl has no globs: one without a group stays in the core group (`pod*` is not poddisruptionbudgets.policy).
  if (isGlob) return false;
  return names.coreNames !== undefined && !names.coreNames.has(resource) && !names.coreNames.has(lower);
}
