import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import { ApiError, api, formatDate, type Role, roles, type User } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { SecretOnce } from './secret-once.tsx';

export function UsersPage() {
  usePageTitle('Users');
  const { session } = useSession();
  const me = session?.user;
  const canRead = me && ['owner', 'admin', 'manager'].includes(me.role);
  const canManage = me && ['owner', 'admin'].includes(me.role);
  const [users, setUsers] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);

  const load = useCallback(async (after?: string) => {
    try {
      const page = await api.listUsers(after);
      setUsers((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load users.');
    }
  }, []);

  useEffect(() => {
    if (canRead) void load();
  }, [canRead, load]);

  if (!me) return null;
  if (!canRead) {
    return (
      <section className="page">
        <h1>Users</h1>
        <p className="notice">You do not have access to the user list. Ask an owner or admin.</p>
      </section>
    );
  }

  async function change(user: User, patch: Partial<Pick<User, 'role' | 'status'>>) {
    setError('');
    try {
      const { user: updated } = await api.updateUser(user.id, patch);
      setUsers((prev) => prev.map((u) => (u.id === updated.id ? updated : u)));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save the change.');
    }
  }

  const assignable = roles.filter((r) => r !== 'owner' || me.role === 'owner');
  return (
    <section className="page">
      <h1>Users</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {created && (
        <SecretOnce
          label={`One-time password for ${created.email}.`}
          value={created.password}
          onDone={() => setCreated(null)}
        />
      )}
      {canManage && (
        <NewUserForm
          roles={assignable}
          onCreated={(user, password) => {
            setUsers((prev) => [...prev, user]);
            if (password) setCreated({ email: user.email, password });
          }}
        />
      )}
      {canManage && (
        <p id={SKILLS_HINT} className="hint">
          Skills are what routing rules can assign by (for example “billing” or “spanish”); separate them with
          spaces or commas.
        </p>
      )}
      <table className="table">
        <caption className="visually-hidden">Users of this workspace</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Skills</th>
            <th scope="col">Status</th>
            <th scope="col">Last sign-in</th>
            {canManage && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const editable = canManage && (me.role === 'owner' || u.role !== 'owner');
            return (
              <tr key={u.id}>
                <td data-label="Name">{u.name}</td>
                <td data-label="Email">{u.email}</td>
                <td data-label="Role">
                  {editable ? (
                    <select
                      aria-label={`Role of ${u.name}`}
                      value={u.role}
                      onChange={(e) => void change(u, { role: e.target.value as Role })}
                    >
                      {(u.role === 'owner' ? roles : assignable).map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    u.role
                  )}
                </td>
                <td data-label="Skills">
                  {editable ? (
                    <SkillsEditor
                      user={u}
                      onSaved={(updated) =>
                        setUsers((prev) => prev.map((x) => (x.id === updated.id ? updated : x)))
                      }
                    />
                  ) : (
                    <SkillChips skills={u.skills} />
                  )}
                </td>
                <td data-label="Status">
                  <span className={u.status === 'active' ? 'pill ok' : 'pill off'}>{u.status}</span>
                </td>
                <td data-label="Last sign-in">{formatDate(u.lastLoginAt)}</td>
                {canManage && (
                  <td data-label="Actions">
                    {editable && u.id !== me.id && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          void change(u, { status: u.status === 'active' ? 'deactivated' : 'active' })
                        }
                      >
                        {u.status === 'active' ? 'Deactivate' : 'Reactivate'}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {cursor && (
        <button type="button" className="secondary" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}

/** The token rule of the API (src/modules/auth/schema.ts `skillName`), checked before sending. */
const SKILL = /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,39}$/u;
const MAX_SKILLS = 30;
const SKILLS_HINT = 'user-skills-hint';

/** Skills as typed: separated by spaces or commas, lower-cased, each once. */
const parseSkills = (text: string) => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .map((s) => s.toLowerCase())
      .filter(Boolean),
  ),
];

function SkillChips({ skills }: { skills: string[] }) {
  if (skills.length === 0) return <span className="muted">none</span>;
  return (
    <span className="chip-list">
      {skills.map((s) => (
        <span key={s} className="chip">
          {s}
        </span>
      ))}
    </span>
  );
}

/** A person's skills, typed freely and saved as a whole set; what routing rules' skill-based assignment reads. */
function SkillsEditor({ user, onSaved }: { user: User; onSaved(user: User): void }) {
  const id = useId();
  const saved = user.skills.join(' ');
  const [text, setText] = useState(saved);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => setText(saved), [saved]);

  async function save(e: FormEvent) {
    e.preventDefault();
    const skills = parseSkills(text);
    const bad = skills.filter((s) => !SKILL.test(s));
    if (bad.length > 0) {
      setError(`Not a skill: ${bad.join(', ')}. A skill is 1–40 letters, digits, - or _.`);
      return;
    }
    if (skills.length > MAX_SKILLS) {
      setError(`At most ${MAX_SKILLS} skills.`);
      return;
    }
    if (skills.join(' ') === saved) {
      setError('');
      return;
    }
    setBusy(true);
    setError('');
    try {
      onSaved((await api.updateUser(user.id, { skills })).user);
    } catch (err) {
      // A field path is `skills.N`: name the skill the server refused.
      const fields = err instanceof ApiError ? Object.entries(err.fields) : [];
      setError(
        fields.length > 0
          ? fields
              .map(([path, message]) => {
                const at = /^skills\.(\d+)$/.exec(path)?.[1];
                return at === undefined ? message : `${skills[Number(at)] ?? ''}: ${message}`;
              })
              .join('; ')
          : err instanceof ApiError
            ? err.message
            : 'Could not save the skills.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void save(e)} noValidate>
      <div className="inline-input">
        <input
          aria-label={`Skills of ${user.name}`}
          value={text}
          placeholder="billing refunds"
          onChange={(e) => setText(e.target.value)}
          aria-invalid={!!error}
          aria-describedby={error ? `${id}-error` : SKILLS_HINT}
        />
        <button type="submit" className="secondary compact" disabled={busy}>
          Save<span className="visually-hidden"> skills of {user.name}</span>
        </button>
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function NewUserForm({
  roles: choices,
  onCreated,
}: {
  roles: Role[];
  onCreated(user: User, password?: string): void;
}) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [password, setPassword] = useState('');
  const [skillsText, setSkillsText] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const skills = parseSkills(skillsText);
    const bad = skills.filter((s) => !SKILL.test(s));
    if (bad.length > 0 || skills.length > MAX_SKILLS) {
      setErrors({
        skills:
          bad.length > 0
            ? `Not a skill: ${bad.join(', ')}. A skill is 1–40 letters, digits, - or _.`
            : `At most ${MAX_SKILLS} skills.`,
      });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const result = await api.createUser({
        email,
        name,
        role,
        ...(password ? { password } : {}),
        ...(skills.length > 0 ? { skills } : {}),
      });
      onCreated(result.user, result.temporaryPassword);
      setEmail('');
      setName('');
      setPassword('');
      setSkillsText('');
    } catch (err) {
      setErrors(
        err instanceof ApiError
          ? { ...err.fields, form: err.message }
          : { form: 'Could not reach the server.' },
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card">
      <summary>New user</summary>
      <form className="grid-form" onSubmit={submit} noValidate>
        <Field id="new-email" label="Email" error={errors.email}>
          <input
            id="new-email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </Field>
        <Field id="new-name" label="Name" error={errors.name}>
          <input id="new-name" value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field id="new-role" label="Role" error={errors.role}>
          <select id="new-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {choices.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="new-password"
          label="Password (optional)"
          error={errors.password}
          hint="Leave empty to generate a one-time password."
        >
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field
          id="new-skills"
          label="Skills (optional)"
          error={errors.skills ?? Object.entries(errors).find(([k]) => k.startsWith('skills.'))?.[1]}
          hint="What routing rules can assign by, separated by spaces or commas."
        >
          <input
            id="new-skills"
            value={skillsText}
            placeholder="billing spanish"
            onChange={(e) => setSkillsText(e.target.value)}
          />
        </Field>
        {errors.form && (
          <p role="alert" className="error">
            {errors.form}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </form>
    </details>
  );
}

export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? <p className="field-error">{error}</p> : hint ? <p className="hint">{hint}</p> : null}
    </div>
  );
}
