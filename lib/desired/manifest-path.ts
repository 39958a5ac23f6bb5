/** A manifest's path, its directory as configured joined to its file (pure: the browser prints it too). */
export function manifestPath(root: string, file: string): string {
  return `${root.endsWith('/') ? root : `${root}/`}${file}`;
}
