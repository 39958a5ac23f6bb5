import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Driftwatch',
  description: 'What in this cluster no longer matches what was declared, since when, and who changed it.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand">
            Driftwatch
          </a>
        </header>
        <main className="content">{children}</main>
      </body>
    </html>
  );
}
