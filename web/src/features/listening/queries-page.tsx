import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { type ListeningQuery, listeningApi, type Preview } from '../../api/listening.ts';
import { ApiError } from '../../api.ts';
import { ConfirmDelete } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { ListeningNav } from './listening-nav.tsx';
import { MentionCard } from './mention-card.tsx';
import { queryNamedLike } from './query-name.ts';

type SyntaxProblem = { message: string; position: number | null };

/** The query text with the error position marked, so the mistake is visible where it is. */
function Highlighted({ source, problem }: { source: string; problem: SyntaxProblem | null }) {
  if (!problem || problem.position === null) return <code className="query-code">{source}</code>;
  const at = Math.min(problem.position, source.length);
  return (
    <code className="query-code">
      {source.slice(0, at)}
      <mark className="query-error" title="error here">
        {source.slice(at, at + 1) || ' '}
      </mark>
      {source.slice(at + 1)}
    </code>
  );
}

export function QueriesPage() {
  usePageTitle('Listening queries');
  const { session } = useSession();
  const canManage = session && ['owner', 'admin', 'manager'].includes(session.user.role);
  const [queries, setQueries] = useState<ListeningQuery[]>([]);
  const [editing, setEditing] = useState<ListeningQuery | null>(null);
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [problem, setProblem] = useState<SyntaxProblem | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [message, setMessage] = useState('');
  /** The server's word on the name (a query saved meanwhile by someone else has it), until it changes. */
  const [nameProblem, setNameProblem] = useState('');
  const queryMap = useMemo(() => new Map(queries.map((q) => [q.id, q])), [queries]);

  const reload = useCallback(
    () =>
      listeningApi
        .queries()
        .then((r) => setQueries(r.items))
        .catch(() => undefined),
    [],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  // Live preview: re-run the query against recent mentions shortly after typing stops.
  useEffect(() => {
    if (source.trim() === '') {
      setPreview(null);
      setProblem(null);
      return;
    }
    const timer = setTimeout(() => {
      listeningApi
        .preview(source)
        .then((p) => {
          setPreview(p);
          setProblem(null);
        })
        .catch((err) => {
          setPreview(null);
          if (err instanceof ApiError) {
            const position = typeof err.details?.position === 'number' ? err.details.position : null;
            setProblem({ message: err.fields.query ?? err.message, position });
          }
        });
    }, 300);
    return () => clearTimeout(timer);
  }, [source]);

  function edit(q: ListeningQuery | null) {
    setEditing(q);
    setName(q?.name ?? '');
    setSource(q?.query ?? '');
    setMessage('');
    setNameProblem('');
  }

  // Said while typing, as the service would refuse it on save.
  const namesake = queryNamedLike(queries, name, editing);
  const nameError =
    nameProblem || (namesake ? `A listening query named "${namesake.name}" already exists` : '');

  async function save(e: FormEvent) {
    e.preventDefault();
    try {
      if (editing) await listeningApi.updateQuery(editing.id, { name, query: source });
      else await listeningApi.createQuery({ name, query: source, enabled: true });
      // After edit(null), which clears the message: else the confirmation never shows.
      edit(null);
      setMessage(editing ? 'Query saved.' : 'Query created: new mentions are matched from now on.');
      await reload();
    } catch (err) {
      if (err instanceof ApiError && err.fields.name) {
        setNameProblem(err.code === 'conflict' ? err.message : err.fields.name);
        // The query that took the name shows in the list, so it is clear which one it is.
        if (err.code === 'conflict') await reload();
      } else setMessage(err instanceof ApiError ? err.message : 'Could not save.');
    }
  }

  return (
    <section className="page wide">
      <h1>Listening queries</h1>
      <ListeningNav />
      <p className="hint">
        Boolean queries: <code>AND</code>, <code>OR</code>, <code>NOT</code>, parentheses,{' '}
        <code>"exact phrases"</code>, <code>refund*</code>, <code>#hashtag</code>, <code>@mention</code>,{' '}
        <code>late NEAR/3 flight</code> (<code>NEAR/3f</code> in order), and <code>author:</code>{' '}
        <code>lang:</code> <code>channel:</code> <code>url:</code> filters.
      </p>
      {message && <p role="status">{message}</p>}
      <div className="two-col">
        <div>
          <table className="table">
            <caption className="visually-hidden">Listening queries</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Query</th>
                <th scope="col">Status</th>
                {canManage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {queries.map((q) => (
                <tr key={q.id}>
                  <td data-label="Name">{q.name}</td>
                  <td data-label="Query">
                    <code>{q.query}</code>
                  </td>
                  <td data-label="Status">
                    <span className={q.enabled ? 'pill ok' : 'pill off'}>{q.enabled ? 'on' : 'off'}</span>
                  </td>
                  {canManage && (
                    <td data-label="Actions" className="row-actions">
                      <button type="button" className="secondary" onClick={() => edit(q)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          void listeningApi
                            .updateQuery(q.id, { enabled: !q.enabled })
                            .then(reload)
                            .catch((err) =>
                              setMessage(
                                err instanceof ApiError ? err.message : 'Could not change the query.',
                              ),
                            )
                        }
                      >
                        {q.enabled ? 'Turn off' : 'Turn on'}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form className="card" onSubmit={save} aria-label={editing ? 'Edit query' : 'New query'}>
          <h2>{editing ? `Edit “${editing.name}”` : 'New query'}</h2>
          <label htmlFor="query-name">Name</label>
          <input
            id="query-name"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setNameProblem('');
            }}
            required
            aria-invalid={nameError !== ''}
            aria-describedby={nameError ? 'query-name-error' : undefined}
          />
          {nameError && (
            <p id="query-name-error" className="field-error">
              {nameError}
            </p>
          )}
          <label htmlFor="query-source">Query</label>
          <textarea
            id="query-source"
            rows={4}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            aria-invalid={problem !== null}
            aria-describedby="query-problem"
            spellCheck={false}
          />
          <div id="query-problem" aria-live="polite">
            {problem && (
              <div className="query-problem">
                <Highlighted source={source} problem={problem} />
                <p className="field-error">{problem.message}</p>
              </div>
            )}
          </div>
          {preview && (
            <div className="preview" aria-live="polite">
              <p>
                <strong>{preview.matched}</strong> of the last {preview.sampled} mentions match.
              </p>
              {preview.perDay.length > 0 && <DayChart perDay={preview.perDay} />}
            </div>
          )}
          <div className="row">
            <button
              type="submit"
              disabled={!canManage || problem !== null || !name.trim() || !source || nameError !== ''}
            >
              {editing ? 'Save query' : 'Create query'}
            </button>
            {editing && (
              <button type="button" className="secondary" onClick={() => edit(null)}>
                Cancel
              </button>
            )}
            {editing && canManage && (
              <ConfirmDelete
                what={editing.name}
                disabled={false}
                onConfirm={async () => {
                  await listeningApi.deleteQuery(editing.id);
                  edit(null);
                  setMessage(`Query “${editing.name}” deleted: mentions it matched stay.`);
                  await reload();
                }}
              />
            )}
          </div>
          {preview && preview.examples.length > 0 && (
            <div className="examples">
              <h3>Examples</h3>
              {preview.examples.slice(0, 5).map((m) => (
                <MentionCard key={m.id} mention={m} queries={queryMap} />
              ))}
            </div>
          )}
        </form>
      </div>
    </section>
  );
}

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** Matches per day, one bar a day (days without one included), with the first, busiest and last day named. */
function DayChart({ perDay }: { perDay: { day: string; count: number }[] }) {
  const busiest = perDay.reduce((a, b) => (b.count > a.count ? b : a));
  const max = Math.max(1, busiest.count);
  const first = perDay[0];
  const last = perDay[perDay.length - 1];
  return (
    <figure className="day-chart">
      <ul className="bars" aria-label="Matches per day">
        {perDay.map((d) => (
          <li
            key={d.day}
            className="bar"
            title={`${dayLabel(d.day)}: ${d.count}`}
            aria-label={`${dayLabel(d.day)}: ${d.count}`}
            style={{ height: `${(d.count / max) * 100}%` }}
          />
        ))}
      </ul>
      <figcaption className="bar-axis">
        <span>{first && dayLabel(first.day)}</span>
        {busiest.count > 0 && (
          <span>
            busiest {dayLabel(busiest.day)}: {busiest.count}
          </span>
        )}
        <span>{last && last !== first && dayLabel(last.day)}</span>
      </figcaption>
    </figure>
  );
}
