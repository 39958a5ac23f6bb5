/** A TCP port as typed on a command line or in PORT: digits only, 1 to 65535; undefined otherwise. */
export function parsePort(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,5}$/.test(trimmed)) return undefined;
  const port = Number(trimmed);
  return port >= 1 && port <= 65_535 ? port : undefined;
}

/** What to tell the user about a port parsePort refused; `setting` is where it came from (`--port`, `PORT`). */
export function portProblem(setting: string, text: string): string {
  return `${setting} must be a port number from 1 to 65535, not "${text}"`;
}

/** What to tell the user when the server cannot listen; keeps the system's code (EADDRINUSE) for scripts that look for it. */
export function listenProblem(err: { code?: string; message: string }, hostname: string, port: number): string {
  const where = `${hostname}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is in use (EADDRINUSE), by another Driftwatch or another server; choose another with --port or PORT`;
    case 'EACCES':
      return `cannot listen on ${where}: not allowed (EACCES); ports below 1024 need privileges, so choose another with --port or PORT`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${hostname} is not an address of this machine (EADDRNOTAVAIL); see --hostname or DRIFTWATCH_HOSTNAME`;
    default:
      return `cannot listen on ${where}: ${err.message}`;
  }
}
