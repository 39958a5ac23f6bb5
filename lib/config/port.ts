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
