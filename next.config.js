// Every route refuses to be framed except /embed/*, whose frame-ancestors proxy.ts sets from the
// configured allow-list at run time (these headers are fixed at build time). The pattern leaves out
// `/embed` and `/embed/...` only.
const commonHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
];
const noFraming = [
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Content-Security-Policy', value: "frame-ancestors 'none'" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // A second build directory lets a benchmark's server keep running while tests build (same env for build and start).
  distDir: process.env.DRIFTWATCH_NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  experimental: {
    // Each page's server code loads when the page is first asked for (about 50 ms on the first view
    // of /drift) instead of all at boot: the initial sync of a large cluster, the memory peak, then
    // runs with ~40 MiB less (bench:live: peak 401–414 against 440–461 MiB).
    preloadEntriesOnStart: false,
  },
  // Node-only packages with native or dynamic requires: loaded at run time instead of bundled into
  // the server chunks (npm run build then swaps client-node's link for a one-file bundle of it,
  // scripts/bundle-client-node.ts).
  serverExternalPackages: ['@kubernetes/client-node', 'better-sqlite3', 'pg'],
  async headers() {
    return [
      { source: '/:path*', headers: commonHeaders },
      { source: '/((?!embed/|embed$).*)', headers: noFraming },
      // API answers are data, never documents: nothing in them may load or run (lib/auth/csp.ts
      // API_CSP; the later rule wins for the same header).
      { source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: "default-src 'none'; frame-ancestors 'none'" }] },
    ];
  },
};

export default nextConfig;
