/**
 * A request path decoded as the router matches it (`/api/v1/%68ealth/object` is the health route),
 * or undefined when its %-escapes do not decode: no route has such a name.
 */
export function decodePath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
