/** "1 customer", "2,500 customers": a count with its noun. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
