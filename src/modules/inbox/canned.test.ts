import { describe, expect, it } from 'vitest';
import { renderTemplate, unknownVariables } from './canned.ts';

describe('canned response templates', () => {
  it('checks every {{…}} token against the known variables', () => {
    expect(
      unknownVariables('{{customer.first_name}} {{customerx}} {{ customer.nme }} {{customerx}}'),
    ).toEqual(['customer.first_name', 'customerx', 'customer.nme']);
    expect(unknownVariables('Hi {{ customer.name }}, {{agent.name}} here')).toEqual([]);
  });

  it('leaves a token that is no variable for the agent to see, and drops it from an automatic reply', () => {
    const body = 'Hi {{customer.first_name}}, {{agent.name}} here';
    expect(renderTemplate(body, { 'agent.name': 'Ali' }, true)).toBe('Hi {{customer.first_name}}, Ali here');
    expect(renderTemplate(body, { 'agent.name': 'Ali' })).toBe('Hi , Ali here');
  });
});
