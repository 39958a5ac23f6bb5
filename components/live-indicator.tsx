'use client';
import { useStreamState } from './live-stream';

const LABEL = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', disconnected: 'Disconnected' } as const;

/** The stream's state in the top bar: a dot and a word, announced politely when it changes. */
export function LiveIndicator() {
  const state = useStreamState();
  return (
    <span className={`live-indicator live-${state}`} role="status" aria-live="polite" data-testid="live-indicator" data-state={state}>
      <span className="live-dot" aria-hidden="true" />
      {LABEL[state]}
    </span>
  );
}
