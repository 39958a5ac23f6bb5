import { afterAll, beforeAll } from 'vitest';

/**
 * For the describe block it is called in: no DRIFTWATCH_* variable (nor DATABASE_URL) from the
 * shell or CI reaches the configuration the tests load; the environment is restored afterwards.
 */
export function withoutDriftwatchEnv(): void {
  const saved = { ...process.env };
  beforeAll(() => {
    for (const k of Object.keys(process.env)) if (k.startsWith('DRIFTWATCH_') || k === 'DATABASE_URL') delete process.env[k];
  });
  afterAll(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
}
