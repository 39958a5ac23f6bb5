/**
 * The one LiveRuntime of a server process. Next.js may evaluate modules more than once (several
 * route bundles, dev reloads), so the instance lives on globalThis; instrumentation.ts starts it
 * when the server boots, and route handlers only look it up.
 */
import { PARSE_WORKER_ENV } from '../../scripts/server-bundle.mjs';
import { loadRedactionKey, REDACTION_KEY_ENV } from '../auth/redaction-key';
import { currentDashboardConfig } from '../config/dashboard-config';
import { setRedactionKey } from '../drift/secrets';
import { DATABASE_URL_ENV, openStoreDeferred, type StoreOptionsInput } from '../store';
import { runtimeOptions } from './runtime-options';
import { tightenHeapGrowthWhenLarge } from './heap-growth';
import { LiveRuntime } from './runtime';

const key = Symbol.for('driftwatch.live.runtime');
/** The history store opens by then even if the first sync has not completed. */
const HISTORY_OPEN_DEADLINE_MS = 30_000;

interface Holder {
  [key]?: { runtime?: LiveRuntime; starting?: Promise<LiveRuntime>; error?: string };
}

function slot(): NonNullable<Holder[typeof key]> {
  const holder = globalThis as Holder;
  holder[key] ??= {};
  return holder[key];
}

/**
 * Where the server keeps history. `DATABASE_URL` wins over the data directory (which also holds the
 * audit log, so a deployment sets both): an explicit data directory selects SQLite in the store's
 * own options, and passing the dashboard's one would silently keep history in a local file.
 */
export function historyStoreTarget(dataDir: string | undefined, env: Record<string, string | undefined> = process.env): StoreOptionsInput {
  const databaseUrl = env[DATABASE_URL_ENV];
  if (databaseUrl) return { databaseUrl };
  return dataDir ? { dataDir } : {};
}

/** Markers of Secret values keyed with the deployment's key (lib/auth/redaction-key.ts) before anything is compared. */
function applyRedactionKey(dataDir: string | undefined): void {
  const loaded = loadRedactionKey(dataDir);
  if ('key' in loaded) {
    setRedactionKey(loaded.key);
    if (process.env[DATABASE_URL_ENV] && loaded.origin !== REDACTION_KEY_ENV) {
      console.error(
        `[driftwatch] history in PostgreSQL with the redaction key of this data directory (${loaded.origin}): replicas, and restarts on a data directory that is not kept, will mark one Secret value differently and record that as a change. Set ${REDACTION_KEY_ENV} (docs/security.md).`,
      );
    }
    return;
  }
  // A DRIFTWATCH_REDACTION_KEY too short never gets here (loadDashboardConfig refuses it); a data
  // directory that cannot keep a key only costs markers that change at each restart.
  console.error(`[driftwatch] ${loaded.error}: Secret redaction markers use a key of this process's own and change at every restart`);
}

/** Starts the runtime once; later calls return the same promise. A failed start is remembered and reported. */
export function startServerRuntime(): Promise<LiveRuntime> {
  const s = slot();
  s.starting ??= (async () => {
    try {
      // What scripts/serve.ts and the gate started with, not the file as it is now.
      const c = currentDashboardConfig();
      if (!c.ok) throw new Error(c.error);
      const config = c.config;
      applyRedactionKey(config.dataDir);
      const parseWorker = process.env[PARSE_WORKER_ENV];
      const options = runtimeOptions(
        config,
        parseWorker
          ? {
              script: parseWorker,
              onError: (err) => console.error(`[driftwatch] ${err instanceof Error ? err.message : String(err)}`),
              onFinished: (s) =>
                console.log(
                  `[driftwatch] manifests: ${s.files} YAML file(s), ${(s.chars / 2 ** 20).toFixed(1)} MiB, parsed on ${s.threads} worker thread(s) in ${Math.round(s.ms)} ms` +
                    (s.generalFiles > 0
                      ? `; ${s.generalFiles} of them needed the general YAML parser, about ten times slower than the fast path (anchors, tags, folded or multi-line scalars, nested flow collections, …: docs/desired-sources.md)`
                      : ''),
                ),
            }
          : undefined,
      );
      const noStore = (err: unknown) => {
        // Drift is still shown live without history; the history API says why it is missing.
        options.storeError = `history store unavailable: ${err instanceof Error ? err.message : String(err)}`;
        console.error(`[driftwatch] ${options.storeError}`);
      };
      let openStoreNow: (() => void) | undefined;
      try {
        // DATABASE_URL selects PostgreSQL; otherwise SQLite under dataDir (DRIFTWATCH_DATA_DIR, ./.driftwatch).
        // Opened once the first sync is complete (or a history query asks), so that loading and
        // writing every object's first record does not slow the first sync down; records made
        // before are handed over then.
        const store = openStoreDeferred(historyStoreTarget(config.dataDir), noStore);
        options.store = store;
        openStoreNow = () => void store.open().catch(() => undefined);
        // A first sync that takes this long is not helped by waiting for it any longer.
        setTimeout(openStoreNow, HISTORY_OPEN_DEADLINE_MS).unref();
      } catch (err) {
        noStore(err);
      }
      options.onInitialSync = () => openStoreNow?.();
      tightenHeapGrowthWhenLarge({
        onTightened: (used) => console.log(`[driftwatch] heap in use ${Math.round(used / 2 ** 20)} MiB: V8 may now grow it 1.5x per full collection (was 2x)`),
      });
      const runtime = new LiveRuntime(options);
      s.runtime = runtime;
      await runtime.start();
      const stop = () => {
        void runtime.stop().finally(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return runtime;
    } catch (err) {
      s.error = err instanceof Error ? err.message : String(err);
      console.error(`[driftwatch] cannot start: ${s.error}`);
      throw err;
    }
  })();
  return s.starting;
}

/** The runtime if it has been created (its clusters may still be syncing), or why it could not start. */
export function currentRuntime(): { runtime: LiveRuntime } | { error: string } {
  const s = slot();
  // A start that failed leaves a runtime behind (created before it started): what it says is the
  // failure, not a state that will never be complete.
  if (s.error) return { error: s.error };
  if (s.runtime) return { runtime: s.runtime };
  // Not started by instrumentation (e.g. a test imports a route directly): start it now.
  void startServerRuntime().catch(() => undefined);
  return { error: 'the dashboard is starting' };
}
