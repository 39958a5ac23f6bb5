/** Next.js calls register() once when the server starts: the informers live from then on. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { exitIfBareNextWithAuth } = await import('./lib/auth/server-api-gate');
  exitIfBareNextWithAuth();
  const { startServerRuntime } = await import('./lib/live/server-runtime');
  // Failures are kept and reported by the API (503 with the reason) rather than killing the server.
  startServerRuntime().catch(() => undefined);
}
