import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { type Assignee, inboxApi, inboxConfigurers, type Team } from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import {
  ConfirmDelete,
  describedBy,
  FieldError,
  type FieldErrors,
  fieldErrors,
} from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';

/** Tick boxes for the people who can be members, as chips. */
function MemberPicker({
  people,
  value,
  onChange,
  disabled,
  legend,
}: {
  people: Assignee[];
  value: string[];
  onChange(ids: string[]): void;
  disabled?: boolean;
  legend: string;
}) {
  if (people.length === 0) return <p className="muted">No one can be added yet: invite agents first.</p>;
  return (
    <fieldset className="plain" disabled={disabled}>
      <legend className="field-legend">{legend}</legend>
      <div className="choice-chips">
        {people.map((p) => {
          const on = value.includes(p.id);
          return (
            <label key={p.id} className={on ? 'choice-chip checked' : 'choice-chip'}>
              <input
                type="checkbox"
                checked={on}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, p.id] : value.filter((id) => id !== p.id))
                }
              />
              {p.name}{' '}
              <span className="muted">
                ({p.role}
                {p.skills.length > 0 ? ` · ${p.skills.join(', ')}` : ''})
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

export function TeamsPage() {
  usePageTitle('Teams');
  const { session } = useSession();
  const canManage = !!session && inboxConfigurers.includes(session.user.role);
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [people, setPeople] = useState<Assignee[]>([]);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      const [t, p] = await Promise.all([inboxApi.teams(), inboxApi.assignees()]);
      setTeams(t.items);
      setPeople(p.items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load teams.');
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <section className="page teams-page">
      <h1>Teams</h1>
      <p className="hint">
        Groups of people. Routing rules send cases to a team and assign within it; the inbox has a view per
        team. <Link to="/settings">Back to settings</Link>
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners, admins and managers can change teams.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {canManage && (
        <NewTeam
          people={people}
          onCreated={(t) => {
            setMessage(`Team “${t.name}” created.`);
            void reload();
          }}
        />
      )}
      {teams === null ? (
        <p className="muted">Loading…</p>
      ) : teams.length === 0 ? (
        <p className="notice">No teams yet.</p>
      ) : (
        <ul className="team-list">
          {teams.map((t) => (
            <TeamRow
              key={`${t.id}-${t.name}-${t.memberIds.join(',')}`}
              team={t}
              people={people}
              canManage={canManage}
              onSaved={(saved) => {
                setMessage(`Team “${saved.name}” saved.`);
                void reload();
              }}
              onDeleted={() => {
                setMessage(`Team “${t.name}” deleted.`);
                void reload();
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function NewTeam({ people, onCreated }: { people: Assignee[]; onCreated(t: Team): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [members, setMembers] = useState<string[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const t = await inboxApi.createTeam({ name: name.trim(), memberIds: members });
      setName('');
      setMembers([]);
      onCreated(t);
    } catch (err) {
      setErrors(err instanceof ApiError && err.status === 409 ? { name: err.message } : fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label="New team">
      <h2 className="card-title">New team</h2>
      <label htmlFor={`${id}-name`}>Team name</label>
      <input
        id={`${id}-name`}
        value={name}
        required
        maxLength={80}
        onChange={(e) => setName(e.target.value)}
        {...describedBy(`${id}-name`, errors, 'name')}
      />
      <FieldError id={`${id}-name`} errors={errors} field="name" />
      <MemberPicker people={people} value={members} onChange={setMembers} legend="Members" />
      <FieldError id={`${id}-form`} errors={errors} field="form" />
      <div className="row">
        <button type="submit" disabled={busy}>
          Create team
        </button>
      </div>
    </form>
  );
}

function TeamRow({
  team,
  people,
  canManage,
  onSaved,
  onDeleted,
}: {
  team: Team;
  people: Assignee[];
  canManage: boolean;
  onSaved(t: Team): void;
  onDeleted(): void;
}) {
  const id = useId();
  const [name, setName] = useState(team.name);
  const [members, setMembers] = useState(team.memberIds);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const dirty =
    name.trim() !== team.name || members.slice().sort().join() !== team.memberIds.slice().sort().join();
  const names = team.memberIds.map((m) => people.find((p) => p.id === m)?.name ?? 'former member');

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(await inboxApi.saveTeam(team.id, { name: name.trim(), memberIds: members }));
    } catch (err) {
      setErrors(err instanceof ApiError && err.status === 409 ? { name: err.message } : fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  if (!canManage) {
    return (
      <li className="card team">
        <h2 className="card-title">{team.name}</h2>
        <p className="muted">{names.length ? names.join(', ') : 'No members'}</p>
      </li>
    );
  }
  return (
    <li className="card team">
      <form onSubmit={(e) => void save(e)} aria-label={`Team ${team.name}`}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          required
          maxLength={80}
          onChange={(e) => setName(e.target.value)}
          {...describedBy(`${id}-name`, errors, 'name')}
        />
        <FieldError id={`${id}-name`} errors={errors} field="name" />
        <MemberPicker
          people={people}
          value={members}
          onChange={setMembers}
          legend={`Members of ${team.name}`}
        />
        <FieldError id={`${id}-form`} errors={errors} field="form" />
        <div className="row">
          <button type="submit" disabled={busy || !dirty}>
            Save
          </button>
          <ConfirmDelete
            what={team.name}
            disabled={busy}
            onConfirm={async () => {
              await inboxApi.deleteTeam(team.id);
              onDeleted();
            }}
          />
        </div>
      </form>
    </li>
  );
}
