import { salesApi } from '../../api/sales.ts';
import { CsvImport } from '../../components/csv-import.tsx';
import { plural } from '../../components/text.ts';

/** Upload leads from a spreadsheet: each on the customer of its email, nothing twice. */
export function ImportLeads({ onImported }: { onImported(): void }) {
  return (
    <CsvImport
      title="Import leads"
      label="Leads file"
      mappable="email=E-mail,title=Deal"
      hint={
        <>
          A CSV with the columns <code>email</code> and <code>title</code>, and optionally <code>name</code>{' '}
          (for a new customer), <code>stage</code> (e.g. <code>lead</code>, <code>MQL</code>, <code>SQL</code>
          , <code>opportunity</code>), <code>owner</code> (a colleague’s email) and <code>team</code>; name
          yours with “Column names”. A new email becomes a customer; a customer who already has an open lead,
          or an imported lead of that title, keeps it.
        </>
      }
      onImported={onImported}
      run={async (file, map) => {
        const s = await salesApi.importLeads(file, map);
        return {
          line: `Read ${plural(s.read, 'line')}: ${plural(s.created, 'lead')} created, ${s.existing} already there, ${plural(s.customersCreated, 'new customer')}, ${s.rejected.length} rejected.`,
          rejected: s.rejected,
        };
      }}
    />
  );
}
