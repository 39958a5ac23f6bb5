'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Overview' },
  { href: '/drift', label: 'Drift' },
  { href: '/cluster', label: 'Cluster' },
];

export function NavLinks() {
  const path = usePathname();
  return (
    <nav aria-label="Main" className="nav">
      {LINKS.map((l) => {
        const active = l.href === '/' ? path === '/' : path.startsWith(l.href) || (l.href === '/drift' && path.startsWith('/objects'));
        return (
          <Link key={l.href} href={l.href} className="nav-link" aria-current={active ? 'page' : undefined}>
            {l.label}
          </Link>
        );
      })}
    </nav>
  );
}
