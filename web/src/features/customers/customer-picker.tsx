import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { type CustomerSummary, customersApi } from '../../api/customers.ts';
import { ApiError } from '../../api.ts';

/**
 * Finds the customer a new record is for, by name, @handle or email (the customer list's search):
 * the first step of a form opened where no customer is at hand (the sales board, the inbox).
 */
export function CustomerPicker({
  purpose,
  onPick,
  onCancel,
}: {
  /** What is being made, for the group's name: "New lead" reads "New lead: whose is it?". */
  purpose: string;
  onPick(c: CustomerSummary): void;
  onCancel(): void;
}) {
  const id = useId();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<CustomerSummary[] | null>(null);
  const [error, setError] = useState('');

  async function search(e: FormEvent) {
    e.preventDefault();
    setError('');
    try {
      setFound((await customersApi.list(q, undefined, 8)).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not search customers.');
    }
  }

  return (
    <section className="edit-form" aria-label={`${purpose}: whose is it?`}>
      <form className="inline-input" onSubmit={(e) => void search(e)}>
        <label htmlFor={`${id}-q`}>Customer</label>
        <input
          id={`${id}-q`}
          type="search"
          value={q}
          required
          placeholder="Name, @handle or email"
          // biome-ignore lint/a11y/noAutofocus: the picker opens on request; typing comes first
          autoFocus
          onChange={(e) => setQ(e.target.value)}
        />
        <button type="submit" className="secondary compact">
          Find
        </button>
      </form>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      {found !== null &&
        (found.length === 0 ? (
          <p className="muted">
            No customer matches. Customers come from posts, imports and the Customers page.
          </p>
        ) : (
          <ul className="attach-list" aria-label="Matching customers">
            {found.map((c) => {
              const handle = c.identities.find((i) => i.kind === 'social')?.handle;
              return (
                <li key={c.id}>
                  <button type="button" className="secondary" onClick={() => onPick(c)}>
                    {c.displayName}{' '}
                    <span className="muted">{handle ? `@${handle}` : (c.primaryEmail ?? '')}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        ))}
      <button type="button" className="link-button" onClick={onCancel}>
        Cancel
      </button>
    </section>
  );
}

/**
 * A form for a customer: `customerId` when the page already knows them (a profile), else the
 * picker first; `children` gets the customer's id, and their name when picked here.
 */
export function ForCustomer({
  customerId,
  purpose,
  onCancel,
  children,
}: {
  customerId?: string | undefined;
  purpose: string;
  onCancel(): void;
  children(customer: { id: string; pickedName?: string }): ReactNode;
}) {
  const [picked, setPicked] = useState<CustomerSummary | null>(null);
  if (customerId !== undefined) return children({ id: customerId });
  if (!picked) return <CustomerPicker purpose={purpose} onPick={setPicked} onCancel={onCancel} />;
  return children({ id: picked.id, pickedName: picked.displayName });
}
