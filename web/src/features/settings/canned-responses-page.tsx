import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { type CannedResponse, inboxApi, inboxConfigurers, inboxWorkers } from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { useCaretAfterRender } from '../../components/caret.ts';
import { ConfirmDelete, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';

const variableHelp: Record<string, string> = {
  'customer.name': 'the customer’s name',
  'customer.handle': 'their @handle',
  'agent.name': 'your name',
  'case.number': 'the case number',
  'case.subject': 'the case subject',
  'workspace.name': 'your workspace’s name',
};

/** Settings → Canned responses: the shared ones and your own, with {{variables}} filled in per case. */
export function CannedResponsesPage() {
  usePageTitle('Canned responses');
  const { session } = useSession();
  const me = session?.user.id;
  const canWork = !!session && inboxWorkers.includes(session.user.role);
  const canShare = !!session && inboxConfigurers.includes(session.user.role);
  const [items, setItems] = useState<CannedResponse[] | null>(null);
  const [variables, setVariables] = useState<string[]>([]);
  const [editing, setEditing] = useState<CannedResponse | 'new' | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const pageHeading = useRef<HTMLHeadingElement>(null);
  // Where the focus goes once the editor closes and the list is back: the saved response, else
  // the page's heading (the editor's buttons are gone, and the focus must not drop to the page).
  const focusNext = useRef<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const r = await inboxApi.canned();
      setItems(r.items);
      setVariables(r.variables);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load canned responses.');
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => {
    const target = focusNext.current;
    if (!target || items === null) return;
    focusNext.current = null;
    const saved =
      target === 'page' ? null : pageHeading.current?.ownerDocument.getElementById(`canned-${target}`);
    (saved ?? pageHeading.current)?.focus();
  }, [items]);

  return (
    <section className="page wide canned-page">
      <h1 ref={pageHeading} tabIndex={-1}>
        Canned responses
      </h1>
      <p className="hint">
        Ready answers to insert in a reply or note; variables such as <code>{'{{customer.name}}'}</code> are
        filled in for the case. Shared responses are for everyone; the others only for you.{' '}
        <Link to="/settings">Back to settings</Link>
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {editing ? (
        <CannedEditor
          item={editing === 'new' ? null : editing}
          variables={variables}
          canShare={canShare}
          onDone={(text, savedId) => {
            setEditing(null);
            if (text) setMessage(text);
            focusNext.current = savedId ?? 'page';
            void reload();
          }}
        />
      ) : (
        canWork && (
          <div className="row">
            <button type="button" onClick={() => setEditing('new')}>
              New canned response
            </button>
          </div>
        )
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">No canned responses yet.</p>
      ) : (
        <ul className="canned-list plain-list" aria-label="Canned responses">
          {items.map((c) => {
            const mine = c.ownerUserId === me;
            return (
              <li key={c.id} className="card canned-item">
                <div className="canned-head">
                  <h2 id={`canned-${c.id}`} className="rule-name" tabIndex={-1}>
                    {c.name}
                  </h2>
                  <span className={c.shared ? 'pill ok' : 'pill off'}>
                    {c.shared ? 'shared' : 'only you'}
                  </span>
                  {canWork && (mine || canShare) && (
                    <button type="button" className="secondary compact" onClick={() => setEditing(c)}>
                      Edit<span className="visually-hidden"> {c.name}</span>
                    </button>
                  )}
                </div>
                <p className="canned-body">{c.body}</p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function CannedEditor({
  item,
  variables,
  canShare,
  onDone,
}: {
  item: CannedResponse | null;
  variables: string[];
  canShare: boolean;
  /** Closes the editor, saying what happened and which response was saved, if one was. */
  onDone(message?: string, savedId?: string): void;
}) {
  const id = useId();
  const [name, setName] = useState(item?.name ?? '');
  const [body, setBody] = useState(item?.body ?? '');
  const [shared, setShared] = useState(item?.shared ?? false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const placeCaret = useCaretAfterRender(area);
  useEffect(() => heading.current?.focus(), []);

  function insert(v: string) {
    const el = area.current;
    const from = el?.selectionStart ?? body.length;
    const to = el?.selectionEnd ?? body.length;
    const text = `{{${v}}}`;
    setBody(body.slice(0, from) + text + body.slice(to));
    placeCaret(from + text.length);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const input = { name: name.trim(), body, shared };
      const saved = item ? await inboxApi.saveCanned(item.id, input) : await inboxApi.createCanned(input);
      onDone(`Canned response “${saved.name}” saved.`, saved.id);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card rule-editor" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {item ? `Edit “${item.name}”` : 'New canned response'}
      </h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={name}
        required
        maxLength={120}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={!!errors.name}
        aria-describedby={errors.name ? `${id}-name-error` : undefined}
      />
      {errors.name && (
        <p id={`${id}-name-error`} className="field-error">
          {errors.name}
        </p>
      )}
      <label htmlFor={`${id}-body`}>Text</label>
      <textarea
        id={`${id}-body`}
        ref={area}
        rows={6}
        required
        maxLength={5000}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        aria-invalid={!!errors.body}
        aria-describedby={`${id}-vars${errors.body ? ` ${id}-body-error` : ''}`}
      />
      {errors.body && (
        <p id={`${id}-body-error`} className="field-error">
          {errors.body}
        </p>
      )}
      <div id={`${id}-vars`} className="canned-vars">
        <p className="hint">Variables (click to insert at the cursor):</p>
        <ul className="chip-list plain-list">
          {variables.map((v) => (
            <li key={v}>
              <button type="button" className="chip var-chip" onClick={() => insert(v)}>
                {`{{${v}}}`}
              </button>{' '}
              <span className="muted">{variableHelp[v] ?? ''}</span>
            </li>
          ))}
        </ul>
      </div>
      {canShare ? (
        <label className="check">
          <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
          Shared with everyone in the workspace
        </label>
      ) : (
        <p className="hint">Your responses are yours; owners, admins and managers can share responses.</p>
      )}
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          Save response
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
        {item && (
          <ConfirmDelete
            what={item.name}
            disabled={busy}
            onConfirm={async () => {
              await inboxApi.deleteCanned(item.id);
              onDone(`Canned response “${item.name}” deleted.`);
            }}
          />
        )}
      </div>
    </form>
  );
}
