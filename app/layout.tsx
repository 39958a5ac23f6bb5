import type { Metadata } from 'next';
import { cookies, headers } from 'next/headers';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { KeyboardShortcuts } from '@/components/keyboard-shortcuts';
import { LiveIndicator } from '@/components/live-indicator';
import { NavLinks } from '@/components/nav-links';
import { Providers } from '@/components/providers';
import { ShareMenu } from '@/components/share-menu';
import { StatusBanner } from '@/components/status-banner';
import { ThemeToggle } from '@/components/theme-toggle';
import { THEME_COOKIE } from '@/lib/client/theme';
import './globals.css';

export const metadata: Metadata = {
  title: 'Driftwatch',
  description: 'What in this cluster no longer matches what was declared, since when, and who changed it.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // An explicit choice wins; without one, CSS follows prefers-color-scheme.
  const theme = (await cookies()).get(THEME_COOKIE)?.value;
  // proxy.ts marks /embed/* requests: no navigation chrome there, the portal picks the theme, and
  // no live stream (the embed views poll; see components/providers.tsx).
  const h = await headers();
  if (h.get('x-driftwatch-embed') === '1') {
    const embedTheme = h.get('x-driftwatch-embed-theme');
    return (
      <html lang="en" {...(embedTheme === 'light' || embedTheme === 'dark' ? { 'data-theme': embedTheme } : {})}>
        <body className="embed-body">
          <Providers live={false}>{children}</Providers>
        </body>
      </html>
    );
  }
  return (
    <html lang="en" {...(theme === 'light' || theme === 'dark' ? { 'data-theme': theme } : {})}>
      <body>
        <Providers>
          <a href="#main" className="skip-link">
            Skip to content
          </a>
          <header className="topbar">
            <Link href="/" className="brand">
              Driftwatch
            </Link>
            <NavLinks />
            <span className="topbar-spacer" />
            <ShareMenu />
            <LiveIndicator />
            <ThemeToggle />
          </header>
          <StatusBanner />
          <main className="content" id="main">
            {children}
          </main>
          <KeyboardShortcuts />
        </Providers>
      </body>
    </html>
  );
}
