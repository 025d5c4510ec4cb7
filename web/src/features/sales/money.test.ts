import { describe, expect, it } from 'vitest';
import { parseAmount } from './money.ts';

describe('parseAmount', () => {
  it('reads a decimal point or a decimal comma', () => {
    expect(parseAmount('1200.50', 'EUR')).toBe(120050);
    expect(parseAmount('1200,50', 'EUR')).toBe(120050);
    expect(parseAmount('12.5', 'EUR')).toBe(1250);
    expect(parseAmount(' 0,5 ', 'EUR')).toBe(50);
    expect(parseAmount('1200', 'EUR')).toBe(120000);
  });

  it('reads thousands grouped with the other mark, spaces or apostrophes', () => {
    expect(parseAmount('1,200.50', 'USD')).toBe(120050);
    expect(parseAmount('1.200,50', 'EUR')).toBe(120050);
    expect(parseAmount('1 200 000,00', 'EUR')).toBe(120000000);
    expect(parseAmount("1'200.5", 'CHF')).toBe(120050);
    expect(parseAmount('1,200,000', 'USD')).toBe(120000000);
    expect(parseAmount('1,200', 'EUR')).toBe(120000);
  });

  it('refuses more decimals than the currency has instead of rounding', () => {
    expect(parseAmount('1234.567', 'EUR')).toBeNull();
    expect(parseAmount('12.5', 'JPY')).toBeNull();
    expect(parseAmount('1,200', 'JPY')).toBe(1200);
  });

  it('refuses what is ambiguous or not an amount', () => {
    expect(parseAmount('1,200', 'KWD')).toBeNull();
    expect(parseAmount('1,2,3', 'EUR')).toBeNull();
    expect(parseAmount('1.2.3,45', 'EUR')).toBeNull();
    expect(parseAmount('1,000,50', 'EUR')).toBeNull();
    expect(parseAmount('1.200.50', 'EUR')).toBeNull();
    expect(parseAmount('-5', 'EUR')).toBeNull();
    expect(parseAmount('', 'EUR')).toBeNull();
    expect(parseAmount('12,', 'EUR')).toBeNull();
    expect(parseAmount('€12', 'EUR')).toBeNull();
  });
});
