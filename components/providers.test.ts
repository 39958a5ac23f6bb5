/**
 * Embeds hold no live stream (app/layout.tsx gives them `live={false}`): each iframe took one of the
 * viewer's stream slots, and under an embed token the stream answered 401 for ever.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { useStreamState } from './live-stream';
import { Providers } from './providers';

function StreamProbe() {
  return createElement('span', null, useStreamState());
}

describe('Providers', () => {
  it('give the dashboard its live stream', () => {
    expect(renderToStaticMarkup(createElement(Providers, { children: createElement(StreamProbe) }))).toBe('<span>connecting</span>');
  });

  it('give an embed no live stream at all', () => {
    expect(() => renderToStaticMarkup(createElement(Providers, { live: false, children: createElement(StreamProbe) }))).toThrow(/outside LiveStreamProvider/);
    expect(renderToStaticMarkup(createElement(Providers, { live: false, children: createElement('p', null, 'panel') }))).toBe('<p>panel</p>');
  });
});
