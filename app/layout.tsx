import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { KeyboardShortcuts } from '@/components/keyboard-shortcuts';
import { LiveIndicator } from '@/components/live-indicator';
import { NavLinks } from '@/components/nav-links';
import { Providers } from '@/components/providers';
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
