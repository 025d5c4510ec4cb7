import { type RefObject, useLayoutEffect, useRef } from 'react';

/**
 * Puts the caret of a text field at a position once the text just set is rendered. It runs in a
 * layout effect, before the browser handles the next keystroke: a timer lost that race to fast
 * typing, and the following letters landed before the previous one.
 */
export function useCaretAfterRender(field: RefObject<HTMLTextAreaElement | HTMLInputElement | null>) {
  const pending = useRef<number | null>(null);
  useLayoutEffect(() => {
    const at = pending.current;
    const el = field.current;
    if (at === null || !el) return;
    pending.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  });
  return (at: number) => {
    pending.current = at;
  };
}
