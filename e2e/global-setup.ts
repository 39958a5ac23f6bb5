import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FullConfig } from '@playwright/test';
import { E2E_EMBED_PORT_ENV, E2E_EMBED_TOKEN_SECRET, E2E_FIELD_MANAGER } from './e2e-env';
import { freePort } from '../testing/free-port';
import { buildNext, startNextServer } from '../testing/next-server';
import { readClusterState, STATE_DIR_ENV, startTestCluster, type TestCluster } from '../testing/test-cluster';

/**
 * Gives the tests a running dashboard on a real cluster: the cluster the test command started (or
 * one of its own), a fresh production build, and `next start` on a free loopback port.
 * Tests read DRIFTWATCH_E2E_BASE_URL and the cluster's state dir from the environment.
 */
export default async function globalSetup(_config: FullConfig) {
  let owned: TestCluster | undefined;
  let stateDir = process.env[STATE_DIR_ENV];
  if (!stateDir) {
    owned = await startTestCluster();
    stateDir = owned.stateDir;
    process.env[STATE_DIR_ENV] = stateDir;
  }
  const state = readClusterState(stateDir);
  if (process.env.DRIFTWATCH_E2E_SKIP_BUILD !== '1') await buildNext();
  // The dashboard's desired state: a directory the tests write manifests into.
  const manifests = mkdtempSync(join(tmpdir(), 'driftwatch-e2e-manifests-'));
  process.env.DRIFTWATCH_E2E_MANIFESTS = manifests;
  // A second loopback origin the embed tests serve a portal page from: on the frame allow-list.
  const embedPort = await freePort();
  process.env[E2E_EMBED_PORT_ENV] = String(embedPort);
  const server = await startNextServer({
    env: {
      ...process.env,
      KUBECONFIG: state.kubeconfig,
      DRIFTWATCH_KUBECONFIG: '',
      DRIFTWATCH_CONTEXT: '',
      DRIFTWATCH_CONFIG: '',
      DRIFTWATCH_MANIFESTS: manifests,
      DRIFTWATCH_DATA_DIR: join(manifests, '..', `${basename(manifests)}-history`),
      DATABASE_URL: '',
      DRIFTWATCH_FIELD_MANAGER: E2E_FIELD_MANAGER,
      DRIFTWATCH_EMBED_ORIGINS: `http://127.0.0.1:${embedPort}`,
      DRIFTWATCH_EMBED_TOKEN_SECRET: E2E_EMBED_TOKEN_SECRET,
      DRIFTWATCH_EMBED_REQUIRE_TOKEN: '',
    },
  });
  process.env.DRIFTWATCH_E2E_BASE_URL = server.url;
  return async () => {
    await server.stop();
    await owned?.stop();
    rmSync(manifests, { recursive: true, force: true });
    rmSync(join(manifests, '..', `${basename(manifests)}-history`), { recursive: true, force: true });
  };
}
