'use client';
/**
 * How a view prints times. Live views count relative times back from now and print absolute ones
 * in the reader's zone and locale. A frozen view (a snapshot, <FrozenClock>) counts them back from
 * when it was taken. Until the page has hydrated, absolute times are UTC in one fixed format: the
 * server's zone and locale are not the browser's, and React throws away HTML whose text differs
 * from its first render (error #418). Server-rendered views take their times from here.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { timeAgo, timeBefore, utcTimeText } from '@/lib/client/format';
import { useHydrated } from './drift-data';

interface Frozen {
  at: number;
  label: string;
}

const FrozenAt = createContext<Frozen | undefined>(undefined);

/** Relative times below count back from `at` (ISO 8601), "… before `label`", never from now. */
export function FrozenClock({ at, label, children }: { at: string; label: string; children: ReactNode }) {
  const t = Date.parse(at);
  return <FrozenAt.Provider value={Number.isNaN(t) ? undefined : { at: t, label }}>{children}</FrozenAt.Provider>;
}

export interface TimeText {
  /** An absolute time (ISO 8601 or epoch ms): the reader's locale once hydrated, UTC before. */
  at(t: string | number): string;
  /** A relative time: from now, or from the frozen clock's time under <FrozenClock>. */
  ago(iso: string | undefined): string;
}

export function useTimeText(): TimeText {
  const hydrated = useHydrated();
  const frozen = useContext(FrozenAt);
  return {
    at: (t) => (hydrated ? new Date(t).toLocaleString() : utcTimeText(t)),
    ago: (iso) => (frozen ? timeBefore(iso, frozen.at, frozen.label) : timeAgo(iso)),
  };
}

/** A <time> element with useTimeText().at as its text. */
export function AbsoluteTime({ iso, ...rest }: { iso: string; 'data-testid'?: string }) {
  const { at } = useTimeText();
  return (
    <time dateTime={iso} {...rest}>
      {at(iso)}
    </time>
  );
}
