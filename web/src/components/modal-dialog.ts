import { type RefObject, useEffect, useRef } from 'react';

/**
 * A `<dialog>` opened as modal while the component is mounted: the browser keeps focus inside,
 * Escape fires its `close` event, and closing it on unmount gives focus back to what opened it.
 */
export function useModalDialog(): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return dialog;
}
