import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import {
  type CommunitySpace,
  communitiesApi,
  type SpaceKind,
  type SpacePurpose,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import {
  CommunitiesNav,
  ErrorLine,
  messageOf,
  publicUrl,
  Status,
  spaceKindLabels,
  useCommunityRights,
} from './communities-bits.tsx';

const purposeLabels: Record<SpacePurpose, string> = {
  objective: 'Objective (permanent)',
  task: 'Task (ends on a date)',
  impromptu: 'Impromptu',
};

/** `datetime-local` keeps local time; the API takes UTC ISO. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

type Form = {
  slug: string;
  title: string;
  description: string;
  kind: SpaceKind;
  purpose: SpacePurpose;
  endsAt: string;
};
const emptyForm: Form = {
  slug: '',
  title: '',
  description: '',
  kind: 'forum',
  purpose: 'objective',
  endsAt: '',
};

/** Create a space (or edit one: slug, kind and purpose are fixed once created). */
function SpaceForm({
  space,
  onSaved,
  onCancel,
}: {
  space?: CommunitySpace;
  onSaved(space: CommunitySpace): void;
  onCancel(): void;
}) {
  const id = useId();
  const [form, setForm] = useState<Form>(
    space
      ? {
          slug: space.slug,
          title: space.title,
          description: space.description,
          kind: space.kind,
          purpose: space.purpose,
          endsAt: toLocal(space.endsAt),
        }
      : emptyForm,
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<Form>) => setForm((f) => ({ ...f, ...p }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const endsAt = form.purpose === 'task' ? toIso(form.endsAt) : '';
      const saved = space
        ? await communitiesApi.updateSpace(space.id, {
            title: form.title,
            description: form.description,
            ...(space.purpose === 'task' ? { endsAt: endsAt || null } : {}),
          })
        : await communitiesApi.createSpace({
            slug: form.slug,
            title: form.title,
            description: form.description,
            kind: form.kind,
            purpose: form.purpose,
            ...(endsAt ? { endsAt } : {}),
          });
      onSaved(saved);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form" onSubmit={submit} aria-label={space ? `Edit ${space.title}` : 'New space'}>
      <h2>{space ? `Edit “${space.title}”` : 'New space'}</h2>
      <label htmlFor={`${id}-title`}>Title</label>
      <input
        id={`${id}-title`}
        value={form.title}
        onChange={(e) => set({ title: e.target.value })}
        {...describedBy(`${id}-title`, errors, 'title')}
      />
      <FieldError id={`${id}-title`} errors={errors} field="title" />
      {!space && (
        <>
          <label htmlFor={`${id}-slug`}>Address</label>
          <input
            id={`${id}-slug`}
            value={form.slug}
            placeholder="product-ideas"
            onChange={(e) => set({ slug: e.target.value })}
            {...describedBy(`${id}-slug`, errors, 'slug')}
          />
          <FieldError id={`${id}-slug`} errors={errors} field="slug" />
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            value={form.kind}
            onChange={(e) => set({ kind: e.target.value as SpaceKind })}
          >
            {Object.entries(spaceKindLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
          <label htmlFor={`${id}-purpose`}>Purpose</label>
          <select
            id={`${id}-purpose`}
            value={form.purpose}
            onChange={(e) => set({ purpose: e.target.value as SpacePurpose })}
          >
            {Object.entries(purposeLabels).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </>
      )}
      {form.purpose === 'task' && (
        <>
          <label htmlFor={`${id}-ends`}>Ends at (then read-only)</label>
          <input
            id={`${id}-ends`}
            type="datetime-local"
            value={form.endsAt}
            onChange={(e) => set({ endsAt: e.target.value })}
            {...describedBy(`${id}-ends`, errors, 'endsAt')}
          />
          <FieldError id={`${id}-ends`} errors={errors} field="endsAt" />
        </>
      )}
      <label htmlFor={`${id}-description`}>Description</label>
      <textarea
        id={`${id}-description`}
        rows={2}
        value={form.description}
        onChange={(e) => set({ description: e.target.value })}
      />
      <ErrorLine message={errors.form ?? ''} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {space ? 'Save space' : 'Create space'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function CloseSpace({ space, onDone }: { space: CommunitySpace; onDone(s: CommunitySpace): void }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  if (space.closedAt)
    return (
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void communitiesApi
            .reopenSpace(space.id)
            .then(onDone)
            .catch((err) => setErrors({ form: messageOf(err, 'Could not reopen.') }))
        }
      >
        Reopen<span className="visually-hidden"> {space.title}</span>
      </button>
    );
  if (!open)
    return (
      <button type="button" className="secondary danger" onClick={() => setOpen(true)}>
        Close…<span className="visually-hidden"> {space.title}</span>
      </button>
    );
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        communitiesApi
          .closeSpace(space.id, reason)
          .then(onDone)
          .catch((err) => setErrors(fieldErrors(err)));
      }}
    >
      <label htmlFor={`${id}-reason`}>Reason for closing</label>
      <input
        id={`${id}-reason`}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        {...describedBy(`${id}-reason`, errors, 'reason')}
      />
      <FieldError id={`${id}-reason`} errors={errors} field="reason" />
      <ErrorLine message={errors.form ?? ''} />
      <button type="submit" className="danger-solid">
        Close space
      </button>
      <button type="button" className="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/** Every space, including closed ones, with its counts and its public page. */
export function CommunitiesPage() {
  usePageTitle('Communities');
  const rights = useCommunityRights();
  const [spaces, setSpaces] = useState<CommunitySpace[] | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [editing, setEditing] = useState<CommunitySpace | 'new' | null>(null);

  const load = useCallback(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items))
      .catch((err) => setError(messageOf(err, 'Could not load the spaces.')));
  }, []);
  useEffect(load, [load]);

  const replace = (s: CommunitySpace) =>
    setSpaces((list) => {
      const rest = (list ?? []).filter((x) => x.id !== s.id);
      return list?.some((x) => x.id === s.id)
        ? (list ?? []).map((x) => (x.id === s.id ? s : x))
        : [s, ...rest];
    });

  return (
    <section className="page wide communities-page">
      <h1>Communities</h1>
      <CommunitiesNav />
      <p className="lead">
        Forums, Q&A with accepted answers, idea boards with votes and statuses, a knowledge base and
        announcements, where customers help each other. The public community is at{' '}
        <a href={publicUrl(rights.workspaceSlug)}>{publicUrl(rights.workspaceSlug)}</a>.
      </p>
      {rights.manage && editing === null && (
        <button type="button" onClick={() => setEditing('new')}>
          New space
        </button>
      )}
      {editing !== null && (
        <SpaceForm
          space={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(null)}
          onSaved={(s) => {
            replace(s);
            setMessage(editing === 'new' ? `Space “${s.title}” created.` : `Space “${s.title}” saved.`);
            setEditing(null);
          }}
        />
      )}
      <Status message={message} />
      <ErrorLine message={error} />
      {spaces === null ? (
        !error && <p className="loading">Loading…</p>
      ) : spaces.length === 0 ? (
        <p className="notice">No community spaces exist yet.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Spaces</caption>
          <thead>
            <tr>
              <th scope="col">Space</th>
              <th scope="col">Kind</th>
              <th scope="col">Purpose</th>
              <th scope="col">Threads</th>
              <th scope="col">Posts</th>
              <th scope="col">Last post</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {spaces.map((s) => (
              <tr key={s.id}>
                <td data-label="Space">
                  <a href={publicUrl(rights.workspaceSlug, `/s/${encodeURIComponent(s.slug)}`)}>{s.title}</a>
                  {s.description && <div className="muted">{s.description}</div>}
                </td>
                <td data-label="Kind">{spaceKindLabels[s.kind]}</td>
                <td data-label="Purpose">
                  {purposeLabels[s.purpose] ?? s.purpose}
                  {s.endsAt && <div className="muted">ends {formatDate(s.endsAt)}</div>}
                </td>
                <td data-label="Threads">{s.threadCount}</td>
                <td data-label="Posts">{s.postCount}</td>
                <td data-label="Last post">{formatDate(s.lastPostAt)}</td>
                <td data-label="State">
                  {s.readOnly === 'closed'
                    ? `Closed: ${s.closedReason ?? ''}`
                    : s.readOnly === 'archived'
                      ? 'Archived (ended)'
                      : 'Open'}
                </td>
                <td data-label="Actions" className="actions">
                  {rights.manage && (
                    <button type="button" className="secondary" onClick={() => setEditing(s)}>
                      Edit<span className="visually-hidden"> {s.title}</span>
                    </button>
                  )}
                  {/* An ended (archived) space is read-only already: closing it would add nothing. */}
                  {rights.moderate && !(s.readOnly === 'archived' && !s.closedAt) && (
                    <CloseSpace
                      space={s}
                      onDone={(x) => {
                        replace(x);
                        setMessage(
                          x.closedAt ? `Space “${x.title}” closed.` : `Space “${x.title}” reopened.`,
                        );
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
