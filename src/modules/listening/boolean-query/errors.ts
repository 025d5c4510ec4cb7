/** A listening query that cannot be parsed: where (0-based offset) and what was expected there. */
export class QuerySyntaxError extends Error {
  readonly position: number;
  readonly expected: string;

  constructor(position: number, expected: string, found: string, source: string) {
    const where = position >= source.length ? 'end of query' : found;
    super(`Expected ${expected} at position ${position} but found ${where}`);
    this.name = 'QuerySyntaxError';
    this.position = position;
    this.expected = expected;
  }
}
