import type { ReactNode } from 'react';

/** One line, cut with an ellipsis when too long; the full text is in the tooltip. */
export function Truncate({ text, children, className }: { text: string; children?: ReactNode; className?: string }) {
  return (
    <span className={`truncate${className ? ` ${className}` : ''}`} title={text}>
      {children ?? text}
    </span>
  );
}
