/** The cookie that remembers an explicit light/dark choice (read by the root layout on the server). */
export const THEME_COOKIE = 'driftwatch-theme';
