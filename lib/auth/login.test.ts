import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { withoutDriftwatchEnv } from '../../testing/clean-env';
import { tempDirs } from '../../testing/temp-dirs';
import { POST as loginPost } from '../../app/api/auth/login/route';
import { POST as logoutPost } from '../../app/api/auth/logout/route';
import { configUnavailableMessage } from './login';

const tempDir = tempDirs('dw-login-');
const FIRST = 'first-token-0123456789abcdef';
const SECOND = 'second-token-0123456789abcdef';

const signIn = (token: string) =>
  loginPost(new NextRequest('http://driftwatch.test/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) }));
const signOut = () => logoutPost(new NextRequest('http://driftwatch.test/api/auth/logout', { method: 'POST' }));

describe('sign-in and sign-out with the configuration the gate uses', () => {
  withoutDriftwatchEnv();

  it('keep the configuration the process started with when the file changes or breaks, instead of reading it per request', async () => {
    const dir = tempDir();
    const file = join(dir, 'driftwatch.yaml');
    writeFileSync(file, JSON.stringify({ auth: { mode: 'token', token: FIRST }, dataDir: join(dir, 'data') }));
    process.env.DRIFTWATCH_CONFIG = file;
    const first = await signIn(FIRST);
    expect(first.status).toBe(204);
    expect(first.headers.get('set-cookie')).toMatch(/^driftwatch_session=/);
    // The gate still checks sessions with the first token's key: a cookie from the new one would loop back to /login.
    writeFileSync(file, JSON.stringify({ auth: { mode: 'token', token: SECOND }, dataDir: join(dir, 'data') }));
    expect((await signIn(FIRST)).status).toBe(204);
    expect((await signIn(SECOND)).status).toBe(401);
    writeFileSync(file, 'auth: {mode: token, token: [\n');
    expect((await signIn(FIRST)).status).toBe(204);
    const out = await signOut();
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^driftwatch_session=;.*Max-Age=0/);
  });
});

describe('the answer when the process has no valid configuration', () => {
  it('gives the reason up to the file excerpt a YAML error carries, which may hold the token', () => {
    const yaml = `/etc/dw.yaml: not valid YAML or JSON: Block collections are not allowed within flow collections at line 1, column 28:\n\nauth: {mode: token, token: supersecretvalue12345: b}\n                           ^^^^\n`;
    const message = configUnavailableMessage(yaml);
    expect(message).toBe(
      'sign-in and sign-out are unavailable: the dashboard configuration is invalid (fix it and restart the server): /etc/dw.yaml: not valid YAML or JSON: Block collections are not allowed within flow collections at line 1, column 28:',
    );
    expect(configUnavailableMessage('/etc/dw.yaml: invalid configuration:\n  auth.token: at least 16 characters')).toMatch(/invalid configuration:\n {2}auth\.token: at least 16 characters$/);
  });
});
