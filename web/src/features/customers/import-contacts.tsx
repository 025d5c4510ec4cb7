import { customersApi } from '../../api/customers.ts';
import { CsvImport } from '../../components/csv-import.tsx';
import { plural } from '../../components/text.ts';

/**
 * Upload a contacts CSV. Each line is one person: customers holding its email, phone or handles
 * are merged (the line is the evidence), and handles not seen yet join when they first post.
 */
export function ImportContacts({ onImported }: { onImported(): void }) {
  return (
    <CsvImport
      title="Import contacts"
      label="Contacts file"
      hint={
        <>
          A CSV with a header row and any of the columns <code>name</code>, <code>email</code>,{' '}
          <code>email_verified</code>, <code>phone</code>, <code>bluesky</code>, <code>mastodon</code> and{' '}
          <code>attr.&lt;attribute key&gt;</code>. The identities on one line are one person: customers that
          hold them are merged, with the line as evidence (undo from the profile), and handles not seen yet
          join them when they first post.
        </>
      }
      onImported={onImported}
      run={async (file) => {
        const s = await customersApi.importContacts(file);
        return {
          line: `Read ${plural(s.read, 'line')}: ${plural(s.created, 'new customer')}, ${s.updated} updated, ${s.unchanged} unchanged, ${s.merged} merged, ${plural(s.pendingLinks, 'handle')} waiting to be seen, ${s.rejected.length} rejected.`,
          rejected: s.rejected,
        };
      }}
    />
  );
}

/** Upload orders, subscriptions and refunds: each joins the customer of its email, once per id. */
export function ImportTransactions({ onImported }: { onImported(): void }) {
  return (
    <CsvImport
      title="Import transactions"
      label="Transactions file"
      mappable="email=Buyer,amount=Total"
      hint={
        <>
          A CSV with the columns <code>email</code>, <code>external_id</code>, <code>amount</code>,{' '}
          <code>currency</code>, <code>occurred_at</code>, <code>kind</code> (order, subscription, refund…)
          and optionally <code>status</code> and <code>description</code>; name yours with “Column names”,
          e.g. <code>email=Buyer,amount=Total</code>. A new email becomes a customer; the same id twice is one
          transaction.
        </>
      }
      onImported={onImported}
      run={async (file, map) => {
        const s = await customersApi.importTransactions(file, map);
        return {
          line: `Read ${plural(s.read, 'line')}: ${plural(s.imported, 'transaction')} imported, ${s.duplicates} already there, ${plural(s.customersCreated, 'new customer')}, ${s.rejected.length} rejected.`,
          rejected: s.rejected,
        };
      }}
    />
  );
}
