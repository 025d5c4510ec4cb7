import { describe, expect, it } from 'vitest';
import { ApiError } from '../api.ts';
import { fieldErrors, formErrors } from './forms.tsx';

const refused = (fields: { path: string; message: string }[]) =>
  new ApiError(400, 'validation_failed', 'Invalid request body', { fields }, undefined);

describe('formErrors', () => {
  it('gives each row its own errors by the row’s field, and keeps the rest for the form', () => {
    const e = formErrors(
      refused([
        { path: 'conditions.1.value', message: 'choose or type at least one' },
        { path: 'conditions.1.value.0', message: 'too long' },
        { path: 'actions.0.teamId', message: 'unknown team' },
        { path: 'actions.2', message: 'not a known action' },
        { path: 'conditions', message: 'a time rule needs an "hours_since … at least" condition' },
        { path: 'name', message: 'required' },
      ]),
      ['conditions', 'actions'],
    );
    expect(e.rows).toEqual({
      conditions: { 1: { value: 'choose or type at least one; too long' } },
      actions: { 0: { teamId: 'unknown team' }, 2: { '': 'not a known action' } },
    });
    expect(e.fields).toEqual({
      conditions: 'a time rule needs an "hours_since … at least" condition',
      name: 'required',
    });
  });

  it('leaves the request’s own message out when every error has its row', () => {
    const e = formErrors(refused([{ path: 'conditions.0.value', message: 'must be 0 or more' }]), [
      'conditions',
    ]);
    expect(e.fields).toEqual({});
  });

  it('falls back to the message of an error without fields, or of a failed request', () => {
    expect(formErrors(refused([]), ['conditions'])).toEqual({
      fields: { form: 'Invalid request body' },
      rows: {},
    });
    expect(formErrors(new Error('offline'), ['conditions']).fields).toEqual({
      form: 'Something went wrong. Try again.',
    });
  });

  it('reads lists it was not told about as fieldErrors does', () => {
    const err = refused([{ path: 'keywords.2', message: 'too long' }]);
    expect(formErrors(err, ['conditions']).fields).toEqual(fieldErrors(err));
    expect(fieldErrors(err)).toEqual({ keywords: 'line 3: too long' });
  });
});
