import { type InputHTMLAttributes, useEffect, useState } from 'react';

/**
 * A text filter that applies on Enter or on leaving the box, and whose text follows the address
 * when it changes the value (Back, a saved view). It is never remounted for a new value: that
 * would take the focus out of the box, and the next letters typed would be the inbox's shortcuts.
 */
export function RefineInput({
  value,
  onApply,
  ...input
}: { value: string; onApply(value: string): void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange' | 'onKeyDown' | 'onBlur'
>) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <input
      {...input}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onApply(text.trim());
      }}
      onBlur={() => {
        if (text.trim() !== value) onApply(text.trim());
      }}
    />
  );
}
