const minorDigits = new Map<string, number>();

/** How many minor units a currency has (2 for EUR, 0 for JPY), as Intl knows it. */
export function currencyDigits(currency: string): number {
  let digits = minorDigits.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    minorDigits.set(currency, digits);
  }
  return digits;
}

/** An amount in minor units as people read it: "€18,500.00". */
export function formatMoney(amountMinor: number, currency: string): string {
  const value = amountMinor / 10 ** currencyDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

/**
 * An amount as people type it in a currency → minor units, or null when it is not one or is
 * ambiguous. Either "." or "," may mark the decimals ("1200.50", "1200,50", "1.200,50",
 * "1,200.50"); the other, spaces, "_" and "'" group thousands in threes. A lone separator before
 * exactly three digits groups them ("1,200" is 1200) unless the currency has three decimals, where
 * it could be either and is refused; more decimals than the currency has are refused, not rounded.
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const clean = text.trim().replace(/[\s_']/g, '');
  if (!/^\d+([.,]\d+)*$/.test(clean)) return null;
  const marks = clean.replace(/\d/g, '');
  const parts = clean.split(/[.,]/);
  let groups = parts;
  let fraction = '';
  const last = marks.at(-1);
  if (last !== undefined) {
    const oneKind = !marks.includes(last === '.' ? ',' : '.');
    const grouping = oneKind && (marks.length > 1 || parts.at(-1)?.length === 3);
    if (!grouping) {
      // The decimals' mark, after thousands grouped with the other one.
      if (marks.slice(0, -1).includes(last)) return null;
      fraction = parts.at(-1) ?? '';
      groups = parts.slice(0, -1);
    } else if (marks.length === 1 && digits === 3) return null;
    const [head = '', ...rest] = groups;
    if (groups.length > 1 && (head.length > 3 || rest.some((g) => g.length !== 3))) return null;
  }
  if (fraction.length > digits) return null;
  return Number(groups.join('')) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}
