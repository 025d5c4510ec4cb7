import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { type CaseFilters, type InboxView, inboxApi } from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { sortOf } from './case-order.ts';

/** The `?view=` key of a saved view. */
export const savedViewKey = (id: string) => `saved:${id}`;

/** Filters without empty values and without the defaults (`view: all`, the order the other filters give), keys in a fixed order: what is saved and compared. */
export function cleanFilters(f: CaseFilters): CaseFilters {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (v === undefined || v === null || v === '') continue;
    if (k === 'view' && v === 'all') continue;
    if (k === 'sort' && v === sortOf({ ...f, sort: undefined })) continue;
    out[k] = v;
  }
  return out as CaseFilters;
}

const sameFilters = (a: CaseFilters, b: CaseFilters) =>
  JSON.stringify(cleanFilters(a)) === JSON.stringify(cleanFilters(b));

const countText = (v: InboxView) => `${v.count}${v.countCapped ? '+' : ''}`;

/**
 * The sidebar's "Saved views": the workspace's shared views, then one's own, each with how many
 * cases it lists; a menu per view (rename, use the current filters, share, move, delete) and a
 * form that saves the current filters as a new view.
 */
export function SavedViews({
  views,
  current,
  filters,
  canShare,
  onPick,
  onChanged,
}: {
  views: InboxView[] | null;
  current: string;
  /** The filters the list shows now: what "Save view" saves. */
  filters: CaseFilters;
  /** May share views and change shared ones (owner, admin, manager). */
  canShare: boolean;
  onPick(key: string): void;
  /** After a change: `select` is a view to show, `removed` one that is gone. */
  onChanged(change: { select?: InboxView; removed?: string }): void;
}) {
  const [status, setStatus] = useState('');
  const changed = (change: { select?: InboxView; removed?: string }, message: string) => {
    setStatus(message);
    onChanged(change);
  };
  return (
    <div className="view-section saved-views">
      <h2 className="views-title">Saved views</h2>
      {views === null ? (
        <p className="views-note">Loading…</p>
      ) : views.length === 0 ? (
        <p className="views-note">None yet: filter the list, then save it.</p>
      ) : (
        <ul aria-label="Saved views">
          {views.map((v) => (
            <SavedViewItem
              key={v.id}
              view={v}
              views={views}
              current={current === savedViewKey(v.id)}
              filters={filters}
              canShare={canShare}
              onPick={() => onPick(savedViewKey(v.id))}
              onChanged={changed}
            />
          ))}
        </ul>
      )}
      <SaveViewForm
        filters={filters}
        canShare={canShare}
        onSaved={(v) => changed({ select: v }, `View “${v.name}” saved.`)}
      />
      <p role="status" className="views-note">
        {status}
      </p>
    </div>
  );
}

function SavedViewItem({
  view,
  views,
  current,
  filters,
  canShare,
  onPick,
  onChanged,
}: {
  view: InboxView;
  views: InboxView[];
  current: boolean;
  filters: CaseFilters;
  canShare: boolean;
  onPick(): void;
  onChanged(change: { select?: InboxView; removed?: string }, message: string): void;
}) {
  const [open, setOpen] = useState(false);
  const [step, setStep] = useState<'main' | 'rename' | 'delete'>('main');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLFieldSetElement>(null);
  const panelId = useId();

  const close = useCallback(() => {
    setOpen(false);
    setStep('main');
    setError('');
    toggle.current?.focus();
  }, []);

  // Focus goes to the first control of each step; Escape or a click elsewhere closes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `step` moves focus to the new step
  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>('input, button')?.focus();
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !toggle.current?.contains(t)) {
        setOpen(false);
        setStep('main');
      }
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open, step]);

  async function act(run: () => Promise<{ select?: InboxView; removed?: string }>, message: string) {
    setBusy(true);
    setError('');
    try {
      const change = await run();
      setOpen(false);
      setStep('main');
      onChanged(change, message);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change the view.');
    } finally {
      setBusy(false);
    }
  }

  // Moving swaps the view with its neighbour in its own list (the shared list, or one's own).
  const group = views.filter((v) => v.shared === view.shared);
  const at = group.findIndex((v) => v.id === view.id);
  const move = (delta: number) => {
    const ids = group.map((v) => v.id);
    const other = ids[at + delta];
    if (other === undefined) return;
    ids[at + delta] = view.id;
    ids[at] = other;
    void act(async () => {
      await inboxApi.reorderViews(view.shared ? 'shared' : 'personal', ids);
      return {};
    }, `View “${view.name}” moved.`);
  };
  const differs = !sameFilters(view.filters, filters);

  return (
    <li className="saved-view">
      <button
        type="button"
        className={current ? 'view-button active' : 'view-button'}
        aria-current={current ? 'page' : undefined}
        aria-label={`${view.name}${view.shared ? ' (shared)' : ''}, ${countText(view)} case${view.count === 1 && !view.countCapped ? '' : 's'}`}
        title={view.shared ? `${view.name} (shared)` : view.name}
        onClick={onPick}
      >
        <span className="view-name">{view.name}</span>
        {view.shared && (
          <span className="view-shared" aria-hidden="true">
            shared
          </span>
        )}
        <span className="view-count">{countText(view)}</span>
      </button>
      {view.editable && (
        <button
          ref={toggle}
          type="button"
          className="view-menu-toggle"
          aria-expanded={open}
          aria-controls={panelId}
          aria-label={`Actions for view ${view.name}`}
          onClick={() => (open ? close() : setOpen(true))}
        >
          <span aria-hidden="true">⋯</span>
        </button>
      )}
      {open && (
        <fieldset
          id={panelId}
          ref={panel}
          className="disposition-panel view-menu"
          onKeyDown={(e) => {
            // Escape closes the menu only, not the open case behind it.
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
            }
          }}
        >
          <legend className="visually-hidden">View {view.name}</legend>
          {step === 'main' && (
            <>
              <button type="button" className="secondary" onClick={() => setStep('rename')}>
                Rename…
              </button>
              {differs && (
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() =>
                    void act(
                      async () => ({
                        select: await inboxApi.updateView(view.id, { filters: cleanFilters(filters) }),
                      }),
                      `View “${view.name}” now uses the current filters.`,
                    )
                  }
                >
                  Use the current filters
                </button>
              )}
              {canShare && (
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() =>
                    void act(
                      async () => {
                        const v = await inboxApi.updateView(view.id, { shared: !view.shared });
                        // Unsharing a colleague's view hands it back to them alone.
                        return v.shared || v.editable ? {} : { removed: v.id };
                      },
                      view.shared
                        ? `View “${view.name}” is no longer shared.`
                        : `View “${view.name}” is shared.`,
                    )
                  }
                >
                  {view.shared ? 'Stop sharing' : 'Share with the workspace'}
                </button>
              )}
              {at > 0 && (
                <button type="button" className="secondary" disabled={busy} onClick={() => move(-1)}>
                  Move up
                </button>
              )}
              {at < group.length - 1 && (
                <button type="button" className="secondary" disabled={busy} onClick={() => move(1)}>
                  Move down
                </button>
              )}
              <button type="button" className="secondary danger" onClick={() => setStep('delete')}>
                Delete…
              </button>
            </>
          )}
          {step === 'rename' && (
            <RenameForm
              view={view}
              onDone={(v) => {
                setOpen(false);
                setStep('main');
                onChanged({}, `View renamed to “${v.name}”.`);
              }}
              onBack={() => setStep('main')}
            />
          )}
          {step === 'delete' && (
            <>
              <p className="disposition-step">
                Delete “{view.name}”{view.shared ? ' for everyone' : ''}?
              </p>
              <button
                type="button"
                className="danger-solid"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    await inboxApi.deleteView(view.id);
                    return { removed: view.id };
                  }, `View “${view.name}” deleted.`)
                }
              >
                Delete
              </button>
              <button type="button" className="link-button" onClick={() => setStep('main')}>
                Back
              </button>
            </>
          )}
          {error && (
            <p role="alert" className="field-error">
              {error}
            </p>
          )}
        </fieldset>
      )}
    </li>
  );
}

function RenameForm({
  view,
  onDone,
  onBack,
}: {
  view: InboxView;
  onDone(v: InboxView): void;
  onBack(): void;
}) {
  const id = useId();
  const [name, setName] = useState(view.name);
  const [errors, setErrors] = useState<FieldErrors>({});
  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      onDone(await inboxApi.updateView(view.id, { name: name.trim() }));
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={`Rename view ${view.name}`}>
      <label htmlFor={`${id}-name`} className="small-label">
        New name
      </label>
      <input
        id={`${id}-name`}
        value={name}
        maxLength={80}
        required
        onChange={(e) => setName(e.target.value)}
        {...describedBy(`${id}-name`, errors, 'name')}
      />
      <FieldError id={`${id}-name`} errors={errors} field="name" />
      {errors.form && (
        <p role="alert" className="field-error">
          {errors.form}
        </p>
      )}
      <div className="view-form-actions">
        <button type="submit" className="compact">
          Rename
        </button>
        <button type="button" className="link-button" onClick={onBack}>
          Back
        </button>
      </div>
    </form>
  );
}

/** "Save view": the filters the list shows now, under a name, for oneself or (managers) for everyone. */
function SaveViewForm({
  filters,
  canShare,
  onSaved,
}: {
  filters: CaseFilters;
  canShare: boolean;
  onSaved(v: InboxView): void;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const start = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  const cancel = () => {
    setOpen(false);
    setErrors({});
    setName('');
    setShared(false);
    // The button comes back on the next render; focus it then.
    window.setTimeout(() => start.current?.focus(), 0);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const v = await inboxApi.createView({ name: name.trim(), filters: cleanFilters(filters), shared });
      setOpen(false);
      setName('');
      setShared(false);
      onSaved(v);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  if (!open)
    return (
      <button ref={start} type="button" className="secondary compact save-view" onClick={() => setOpen(true)}>
        Save view
      </button>
    );
  return (
    <form
      className="save-view-form"
      aria-label="Save view"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          cancel();
        }
      }}
    >
      <label htmlFor={`${id}-name`} className="small-label">
        View name
      </label>
      <input
        ref={input}
        id={`${id}-name`}
        value={name}
        maxLength={80}
        required
        onChange={(e) => setName(e.target.value)}
        {...describedBy(`${id}-name`, errors, 'name')}
      />
      <FieldError id={`${id}-name`} errors={errors} field="name" />
      {canShare && (
        <label className="check">
          <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
          Shared with the workspace
        </label>
      )}
      {(errors.form || errors.filters) && (
        <p role="alert" className="field-error">
          {errors.form ?? errors.filters}
        </p>
      )}
      <div className="view-form-actions">
        <button type="submit" className="compact" disabled={busy}>
          Save
        </button>
        <button type="button" className="link-button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
