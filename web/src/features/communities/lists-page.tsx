import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type CommunityList,
  type CommunityListEntry,
  type CommunityMemberProfile,
  communitiesApi,
  communityExtrasApi,
  customerListEditors,
} from '../../api/communities.ts';
import { type CustomerSummary, customersApi } from '../../api/customers.ts';
import { formatDate } from '../../api.ts';
import {
  ConfirmDelete,
  describedBy,
  FieldError,
  type FieldErrors,
  fieldErrors,
} from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { CommunitiesNav, ErrorLine, messageOf, Status, useCommunityRights } from './communities-bits.tsx';
import { PagedItems, upserted, usePagedList } from './paged-list.tsx';

const kindLabels = { members: 'Community members', customers: 'Customers' } as const;
const visibilityLabels = { public: 'Public', private: 'Private' } as const;

/** Who may change a list, as lists.ts decides: its owner, moderators (member lists), customer managers (public customer lists). */
function useCanEdit() {
  const { session } = useSession();
  const rights = useCommunityRights();
  return (list: CommunityList) => {
    if (!session) return false;
    if (list.owner.type === 'staff' && list.owner.id === session.user.id) return true;
    return list.kind === 'members'
      ? rights.moderate
      : list.visibility === 'public' && customerListEditors.includes(session.user.role);
  };
}

type Form = {
  name: string;
  description: string;
  kind: 'members' | 'customers';
  visibility: 'public' | 'private';
};

/** Create a list, or rename, describe and change the visibility of one (kind is fixed). */
function ListForm({
  list,
  onSaved,
  onCancel,
}: {
  list?: CommunityList;
  onSaved(l: CommunityList): void;
  onCancel(): void;
}) {
  const id = useId();
  const rights = useCommunityRights();
  const [form, setForm] = useState<Form>(
    list
      ? { name: list.name, description: list.description, kind: list.kind, visibility: list.visibility }
      : { name: '', description: '', kind: rights.moderate ? 'members' : 'customers', visibility: 'public' },
  );
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<Form>) => setForm((f) => ({ ...f, ...p }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(
        list
          ? await communityExtrasApi.updateList(list.id, {
              name: form.name,
              description: form.description,
              visibility: form.visibility,
            })
          : await communityExtrasApi.createList(form),
      );
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }
  const label = list ? `Edit ${list.name}` : 'New list';
  return (
    <form className="card form" onSubmit={submit} aria-label={label}>
      <h2>{list ? `Edit “${list.name}”` : 'New list'}</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={form.name}
        onChange={(e) => set({ name: e.target.value })}
        {...describedBy(`${id}-name`, errors, 'name')}
      />
      <FieldError id={`${id}-name`} errors={errors} field="name" />
      <label htmlFor={`${id}-description`}>Description</label>
      <textarea
        id={`${id}-description`}
        rows={2}
        value={form.description}
        onChange={(e) => set({ description: e.target.value })}
        {...describedBy(`${id}-description`, errors, 'description')}
      />
      <FieldError id={`${id}-description`} errors={errors} field="description" />
      {!list && (
        <>
          <label htmlFor={`${id}-kind`}>People on it</label>
          <select
            id={`${id}-kind`}
            value={form.kind}
            onChange={(e) => set({ kind: e.target.value as Form['kind'] })}
            {...describedBy(`${id}-kind`, errors, 'kind')}
          >
            {rights.moderate && <option value="members">{kindLabels.members}</option>}
            <option value="customers">{kindLabels.customers}</option>
          </select>
          <FieldError id={`${id}-kind`} errors={errors} field="kind" />
        </>
      )}
      <label htmlFor={`${id}-visibility`}>Visibility</label>
      <select
        id={`${id}-visibility`}
        value={form.visibility}
        onChange={(e) => set({ visibility: e.target.value as Form['visibility'] })}
      >
        <option value="public">
          {form.kind === 'members'
            ? 'Public (everyone, visitors included)'
            : 'Public (staff who read customers)'}
        </option>
        <option value="private">
          {form.kind === 'members' ? 'Private (you and staff)' : 'Private (only you)'}
        </option>
      </select>
      <ErrorLine message={errors.form ?? ''} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {list ? 'Save list' : 'Create list'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Add a member (member list, from the community's members) or a customer (found by name). */
function AddPerson({ list, onAdded }: { list: CommunityList; onAdded(l: CommunityList, who: string): void }) {
  const id = useId();
  const [members, setMembers] = useState<CommunityMemberProfile[]>([]);
  const [memberId, setMemberId] = useState('');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<CustomerSummary[] | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  useEffect(() => {
    if (list.kind === 'members')
      communitiesApi
        .members()
        .then((p) => setMembers(p.items))
        .catch(() => undefined);
  }, [list.kind]);
  const add = (entry: { memberId: string } | { customerId: string }, who: string) => {
    setErrors({});
    communityExtrasApi
      .addListEntry(list.id, entry)
      .then((l) => onAdded(l, who))
      .catch((err) => setErrors(fieldErrors(err)));
  };
  if (list.kind === 'members') {
    const chosen = members.find((m) => m.id === memberId);
    return (
      <form
        className="inline-form"
        aria-label="Add a member"
        onSubmit={(e) => {
          e.preventDefault();
          if (chosen) add({ memberId: chosen.id }, `@${chosen.username}`);
        }}
      >
        <label htmlFor={`${id}-member`}>Member to add</label>
        <select
          id={`${id}-member`}
          value={memberId}
          onChange={(e) => setMemberId(e.target.value)}
          {...describedBy(`${id}-member`, errors, 'memberId')}
        >
          <option value="">Choose a member…</option>
          {members.map((m) => (
            <option key={m.id} value={m.id}>
              {m.displayName} (@{m.username})
            </option>
          ))}
        </select>
        <button type="submit" className="secondary" disabled={!chosen}>
          Add to list
        </button>
        <FieldError id={`${id}-member`} errors={errors} field="memberId" />
        <ErrorLine message={errors.form ?? ''} />
      </form>
    );
  }
  return (
    <div>
      <form
        className="inline-form"
        aria-label="Find a customer"
        onSubmit={(e) => {
          e.preventDefault();
          customersApi
            .list(search, undefined, 10)
            .then((p) => setFound(p.items))
            .catch((err) => setErrors(fieldErrors(err)));
        }}
      >
        <label htmlFor={`${id}-search`}>Customer to add</label>
        <input
          id={`${id}-search`}
          value={search}
          placeholder="Name, email or handle"
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" className="secondary" disabled={!search.trim()}>
          Find
        </button>
      </form>
      {found?.length === 0 && <p className="notice">No customer matches “{search}”.</p>}
      {found && found.length > 0 && (
        <ul className="plain-list" aria-label="Customers found">
          {found.map((c) => (
            <li key={c.id}>
              {c.displayName} <span className="muted">{c.primaryEmail ?? ''}</span>{' '}
              <button
                type="button"
                className="secondary"
                onClick={() => add({ customerId: c.id }, c.displayName)}
              >
                Add<span className="visually-hidden"> {c.displayName}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorLine message={errors.form ?? errors.customerId ?? ''} />
    </div>
  );
}

function Activity({ list }: { list: CommunityList }) {
  // Read again when people are added or removed.
  const paged = usePagedList(
    (after) => communityExtrasApi.listActivity(list.id, after),
    'Could not load the activity.',
    `${list.id} ${list.entryCount}`,
  );
  return (
    <section aria-label="Activity">
      <h3>Activity</h3>
      <ErrorLine message={paged.error} />
      <PagedItems list={paged} empty="Nothing yet from the people on this list." moreLabel="More activity">
        {(items) => (
          <ul className="plain-list activity-list">
            {items.map((a) => (
              <li key={`${a.type}-${a.id}`}>
                <span className="chip">{a.type === 'post' ? 'Community' : a.channel}</span>{' '}
                {/* The server's address of the post (on the thread page that holds it), or the
                  mention's own address on its network when it is a web address. */}
                {a.threadId && a.url ? (
                  <a href={a.url}>{a.threadTitle}</a>
                ) : a.url && /^https?:\/\//i.test(a.url) ? (
                  <a href={a.url} rel="noopener noreferrer">
                    Mention
                  </a>
                ) : null}
                <span className="muted"> · {formatDate(a.at)}</span>
                <div>{a.text}</div>
              </li>
            ))}
          </ul>
        )}
      </PagedItems>
    </section>
  );
}

function ListDetail({
  list,
  onChanged,
  onDeleted,
}: {
  list: CommunityList;
  onChanged(l: CommunityList, message: string): void;
  onDeleted(l: CommunityList): void;
}) {
  const canEdit = useCanEdit()(list);
  // Read again when people are added or removed.
  const paged = usePagedList(
    (after) => communityExtrasApi.listEntries(list.id, after),
    'Could not load the people.',
    `${list.id} ${list.entryCount}`,
  );
  const { error, setError } = paged;
  const [editing, setEditing] = useState(false);

  const remove = (e: CommunityListEntry) =>
    communityExtrasApi
      .removeListEntry(list.id, e.type, e.id)
      .then((l) => onChanged(l, `${e.name} taken off “${list.name}”.`))
      .catch((err) => setError(messageOf(err, 'Could not take them off.')));

  return (
    <aside className="card list-detail" aria-label={`List: ${list.name}`}>
      <h2>{list.name}</h2>
      <p className="muted">
        {kindLabels[list.kind]} · {visibilityLabels[list.visibility]} · {list.followerCount} follower
        {list.followerCount === 1 ? '' : 's'}
      </p>
      {list.description && <p>{list.description}</p>}
      <ErrorLine message={error} />
      <div className="actions">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            void communityExtrasApi
              .followList(list.id, !list.following)
              .then((l) =>
                onChanged(l, l.following ? `You follow “${l.name}”.` : `You no longer follow “${l.name}”.`),
              )
              .catch((err) => setError(messageOf(err, 'Could not change following.')))
          }
        >
          {list.following ? 'Unfollow' : 'Follow'}
        </button>
        {canEdit && !editing && (
          <button type="button" className="secondary" onClick={() => setEditing(true)}>
            Edit list
          </button>
        )}
        {canEdit && (
          <ConfirmDelete
            what={list.name}
            disabled={false}
            onConfirm={() => communityExtrasApi.deleteList(list.id).then(() => onDeleted(list))}
          />
        )}
      </div>
      {editing && (
        <ListForm
          list={list}
          onCancel={() => setEditing(false)}
          onSaved={(l) => {
            setEditing(false);
            onChanged(l, `List “${l.name}” saved.`);
          }}
        />
      )}
      <h3>People</h3>
      <PagedItems list={paged} empty="Nobody is on this list yet." moreLabel="More people">
        {(entries) => (
          <table className="table compact">
            <caption className="visually-hidden">People on {list.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Added</th>
                {canEdit && <th scope="col">Remove</th>}
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={`${e.type}-${e.id}`}>
                  <td data-label="Name">
                    {e.type === 'customer' ? <Link to={`/customers/${e.id}`}>{e.name}</Link> : e.name}
                    {e.username && <span className="muted"> @{e.username}</span>}
                  </td>
                  <td data-label="Added">{formatDate(e.addedAt)}</td>
                  {canEdit && (
                    <td data-label="Remove">
                      <button type="button" className="secondary danger" onClick={() => void remove(e)}>
                        Remove<span className="visually-hidden"> {e.name}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedItems>
      {canEdit && (
        <AddPerson list={list} onAdded={(l, who) => onChanged(l, `${who} added to “${l.name}”.`)} />
      )}
      <Activity list={list} />
    </aside>
  );
}

/** Curated lists of members or customers: create, change, people on them, and their activity. */
export function CommunityListsPage() {
  usePageTitle('Community lists');
  const [params, setParams] = useSearchParams();
  const selected = params.get('list');
  const paged = usePagedList((after) => communityExtrasApi.lists(after), 'Could not load the lists.');
  const { items: lists, setItems: setLists } = paged;
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState('');
  const { session } = useSession();

  const replace = (l: CommunityList) => setLists((all) => upserted(all, l));
  const current = lists?.find((l) => l.id === selected) ?? null;
  const ownerText = (l: CommunityList) =>
    l.owner.type === 'staff' ? (l.owner.id === session?.user.id ? 'You' : 'Staff') : 'A member';

  return (
    <section className="page wide communities-page">
      <h1>Community lists</h1>
      <CommunitiesNav />
      <p className="lead">
        Curated lists of community members or customers. Followers see the activity of the people on a list;
        members see public member lists, customer lists stay with staff.
      </p>
      {!creating && (
        <button type="button" onClick={() => setCreating(true)}>
          New list
        </button>
      )}
      {creating && (
        <ListForm
          onCancel={() => setCreating(false)}
          onSaved={(l) => {
            replace(l);
            setCreating(false);
            setMessage(`List “${l.name}” created.`);
            setParams({ list: l.id });
          }}
        />
      )}
      <Status message={message} />
      <ErrorLine message={paged.error} />
      <PagedItems list={paged} empty="No list exists yet." moreLabel="More lists">
        {(lists) => (
          <div className="split-detail">
            <table className="table">
              <caption className="visually-hidden">Lists</caption>
              <thead>
                <tr>
                  <th scope="col">List</th>
                  <th scope="col">People on it</th>
                  <th scope="col">Visibility</th>
                  <th scope="col">People</th>
                  <th scope="col">Followers</th>
                  <th scope="col">Owner</th>
                </tr>
              </thead>
              <tbody>
                {lists.map((l) => (
                  <tr key={l.id} className={l.id === selected ? 'selected' : undefined}>
                    <td data-label="List">
                      <button
                        type="button"
                        className="row-link"
                        aria-pressed={l.id === selected}
                        onClick={() => setParams(l.id === selected ? {} : { list: l.id })}
                      >
                        {l.name}
                      </button>
                    </td>
                    <td data-label="People on it">{kindLabels[l.kind]}</td>
                    <td data-label="Visibility">{visibilityLabels[l.visibility]}</td>
                    <td data-label="People">{l.entryCount}</td>
                    <td data-label="Followers">{l.followerCount}</td>
                    <td data-label="Owner">{ownerText(l)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {current && (
              <ListDetail
                key={current.id}
                list={current}
                onChanged={(l, text) => {
                  replace(l);
                  setMessage(text);
                }}
                onDeleted={(l) => {
                  setLists((all) => (all ?? []).filter((x) => x.id !== l.id));
                  setParams({});
                  setMessage(`List “${l.name}” deleted.`);
                }}
              />
            )}
          </div>
        )}
      </PagedItems>
    </section>
  );
}
