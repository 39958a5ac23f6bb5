/**
 * The root layout gives /embed/* pages (marked by proxy.ts) no live stream: the embed views poll.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { useStreamState } from './live-stream';

vi.mock('next/headers', () => ({
  cookies: async () => new Map<string, { value: string }>(),
  headers: async () => new Headers({ 'x-driftwatch-embed': '1' }),
}));

function StreamProbe() {
  return createElement('span', null, useStreamState());
}

describe('embed layout', () => {
  it('renders embeds without the live stream', async () => {
    const { default: RootLayout } = await import('@/app/layout');
    const page = await RootLayout({ children: createElement(StreamProbe) });
    expect(() => renderToStaticMarkup(page)).toThrow(/outside LiveStreamProvider/);
    const panel = await RootLayout({ children: createElement('p', null, 'panel') });
    expect(renderToStaticMarkup(panel)).toContain('<body class="embed-body"><p>panel</p></body>');
  });
});
