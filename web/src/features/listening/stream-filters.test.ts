import { describe, expect, it } from 'vitest';
import { filtersFromParams, withStreamFilter } from './stream-filters.ts';

describe('listening stream filters in the address', () => {
  it('reads every filter from its parameter, leaving out empty ones and parameters that are no filter', () => {
    const params = new URLSearchParams(
      'query=q-1&channel=twitter&language=en&sentiment=negative&intent=complaint&topic=t-9&class=c%3Arefund&urgency=70&q=lost+bag&channel2=x&sentiment=',
    );
    // A repeated parameter: the first counts, as URLSearchParams.get reads it.
    expect(filtersFromParams(params)).toEqual({
      queryId: 'q-1',
      channel: 'twitter',
      language: 'en',
      sentiment: 'negative',
      intent: 'complaint',
      topic: 't-9',
      class: 'c:refund',
      minUrgency: '70',
      search: 'lost bag',
    });
    expect(filtersFromParams(new URLSearchParams('q=%20%20&urgency='))).toEqual({});
  });

  it('sets, replaces and removes one filter, keeping the other parameters, and reads back what it wrote', () => {
    let params = new URLSearchParams('channel=bluesky&tab=x');
    params = withStreamFilter(params, 'search', '  refund now ');
    params = withStreamFilter(params, 'minUrgency', '40');
    params = withStreamFilter(params, 'channel', '');
    expect(params.toString()).toBe('tab=x&q=refund+now&urgency=40');
    expect(filtersFromParams(params)).toEqual({ search: 'refund now', minUrgency: '40' });
    params = withStreamFilter(params, 'search', '   ');
    expect(params.toString()).toBe('tab=x&urgency=40');
  });
});
