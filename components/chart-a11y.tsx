'use client';
/**
 * Keyboard and screen-reader hygiene for the Recharts charts.
 *
 * Recharts 3 draws each z-index layer as an empty `<g>` that React portals into. React listens for
 * focus events on every portal container, and Chromium makes an SVG element with focus listeners
 * keyboard-focusable, so each chart added five or six nameless Tab stops (recharts 3.11 dropped the
 * `tabindex="-1"` these groups used to carry). `useUntabbableChartLayers` puts it back on them.
 */
import { useCallback } from 'react';

const LAYER = 'g[class*="recharts-zIndex-layer_"]:not([tabindex])';

/** A ref for the element around a chart (it may mount later than the component, e.g. once data is in). */
export function useUntabbableChartLayers() {
  return useCallback((box: HTMLElement | null) => {
    if (!box) return;
    const fix = () => {
      for (const g of box.querySelectorAll(LAYER)) g.setAttribute('tabindex', '-1');
    };
    fix();
    const mo = new MutationObserver(fix);
    mo.observe(box, { childList: true, subtree: true });
    return () => mo.disconnect();
  }, []);
}

/** Legend labels in the text colour: the series colours (kept on the swatches) are too light for text. */
export const legendText = (value: string) => <span style={{ color: 'var(--text)' }}>{value}</span>;
