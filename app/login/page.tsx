import { currentDashboardConfig } from '@/lib/config/dashboard-config';
import { safeNext } from '@/lib/auth/login';

export const dynamic = 'force-dynamic';

/** The token-mode sign-in form: a plain form post, no script needed. */
export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = safeNext(typeof sp.next === 'string' ? sp.next : undefined);
  const c = currentDashboardConfig();
  const mode = c.ok ? c.config.auth.mode : undefined;
  return (
    <main id="main" className="login-page">
      <h1>Sign in to Driftwatch</h1>
      {mode === undefined ? (
        // The reason may quote the file (a token among it): it is in the server's log, not here.
        <p role="alert">Sign-in is unavailable: the dashboard configuration is invalid (the server log says why).</p>
      ) : mode !== 'token' ? (
        <p>{mode === 'proxy' ? 'This Driftwatch signs you in through its authenticating proxy.' : 'This Driftwatch needs no sign-in.'}</p>
      ) : (
        <form method="post" action="/api/auth/login">
          {sp.error ? <p role="alert">That token is not valid.</p> : null}
          <label>
            Access token <input type="password" name="token" autoComplete="current-password" required autoFocus />
          </label>
          <input type="hidden" name="next" value={next} />
          <button type="submit">Sign in</button>
        </form>
      )}
    </main>
  );
}
