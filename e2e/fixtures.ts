import { KubeConfig } from '@kubernetes/client-node';
import { test as base } from '@playwright/test';
import { readClusterState, STATE_DIR_ENV } from '../testing/test-cluster';

/** Playwright test with the dashboard's base URL and an admin client for the same cluster. */
export const test = base.extend<{ kc: KubeConfig }>({
  baseURL: async ({}, use) => {
    const url = process.env.DRIFTWATCH_E2E_BASE_URL;
    if (!url) throw new Error('DRIFTWATCH_E2E_BASE_URL is not set: run through e2e/playwright.config.ts');
    await use(url);
  },
  kc: async ({}, use) => {
    const stateDir = process.env[STATE_DIR_ENV];
    if (!stateDir) throw new Error(`${STATE_DIR_ENV} is not set`);
    const kc = new KubeConfig();
    kc.loadFromFile(readClusterState(stateDir).kubeconfig);
    await use(kc);
  },
});

export { expect } from '@playwright/test';
export { E2E_FIELD_MANAGER } from './e2e-env';
