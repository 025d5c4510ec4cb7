import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { type Analysis, analysisApi, type Classifier, type HeldOut, type Topic } from '../../api/analysis.ts';
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
import { AnalysisBadges } from './analysis-badges.tsx';
import { ListeningNav } from './listening-nav.tsx';

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

export function AnalysisPage() {
  usePageTitle('Listening analysis');
  const { session } = useSession();
  const canManage = !!session && ['owner', 'admin', 'manager'].includes(session.user.role);
  const [topics, setTopics] = useState<Topic[]>([]);
  const [classifiers, setClassifiers] = useState<Classifier[]>([]);
  const [error, setError] = useState('');

  const reloadTopics = useCallback(
    () =>
      analysisApi
        .topics()
        .then((r) => setTopics(r.items))
        .catch(() => setError('Could not load topics.')),
    [],
  );
  const reloadClassifiers = useCallback(
    () =>
      analysisApi
        .classifiers()
        .then((r) => setClassifiers(r.items))
        .catch(() => setError('Could not load classifiers.')),
    [],
  );
  useEffect(() => {
    void reloadTopics();
    void reloadClassifiers();
  }, [reloadTopics, reloadClassifiers]);

  return (
    <section className="page wide analysis-page">
      <h1>Listening analysis</h1>
      <ListeningNav />
      <p className="hint">
        Every post is read for language, sentiment, intents, your topics and custom classifiers, and urgency,
        each with the reasons behind it.
      </p>
      {!canManage && (
        <p className="notice" role="note">
          You can try the analysis here; only owners, admins and managers can change topics and classifiers.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <TryIt topics={topics} />
      <TopicsSection topics={topics} canManage={canManage} reload={reloadTopics} />
      <ClassifiersSection classifiers={classifiers} canManage={canManage} reload={reloadClassifiers} />
    </section>
  );
}

function TryIt({ topics }: { topics: Topic[] }) {
  const [text, setText] = useState('');
  const [followers, setFollowers] = useState('');
  const [contacts, setContacts] = useState('');
  const [result, setResult] = useState<Analysis | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function analyze(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      setResult(
        await analysisApi.analyze({
          text,
          ...(followers !== '' ? { authorFollowers: Number(followers) } : {}),
          ...(contacts !== '' ? { priorContacts: Number(contacts) } : {}),
        }),
      );
    } catch (err) {
      setResult(null);
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const names = new Map(topics.map((t) => [t.id, t.name]));
  return (
    <section className="card try-it" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Try it</h2>
      <form onSubmit={analyze} aria-label="Try the analysis">
        <label htmlFor={`${id}-text`}>Text to analyse</label>
        <textarea
          id={`${id}-text`}
          className="prose"
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="e.g. Still no refund after 3 weeks and nobody answers. Please help!"
          required
          maxLength={10_000}
          {...describedBy(`${id}-text`, errors, 'text')}
        />
        <FieldError id={`${id}-text`} errors={errors} field="text" />
        <div className="inline-fields">
          <div>
            <label htmlFor={`${id}-followers`}>Author followers (optional)</label>
            <input
              id={`${id}-followers`}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={followers}
              onChange={(e) => setFollowers(e.target.value)}
              {...describedBy(`${id}-followers`, errors, 'authorFollowers')}
            />
            <FieldError id={`${id}-followers`} errors={errors} field="authorFollowers" />
          </div>
          <div>
            <label htmlFor={`${id}-contacts`}>Earlier contacts (optional)</label>
            <input
              id={`${id}-contacts`}
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={contacts}
              onChange={(e) => setContacts(e.target.value)}
              {...describedBy(`${id}-contacts`, errors, 'priorContacts')}
            />
            <FieldError id={`${id}-contacts`} errors={errors} field="priorContacts" />
          </div>
          <button type="submit" disabled={busy || text.trim() === ''}>
            {busy ? 'Analysing…' : 'Analyse'}
          </button>
        </div>
        {errors.form && (
          <p role="alert" className="error">
            {errors.form}
          </p>
        )}
      </form>
      <div aria-live="polite" className="try-result">
        {result && (
          <>
            <h3 className="visually-hidden">Analysis</h3>
            <AnalysisBadges
              analysis={result}
              showUrgency
              expanded
              topicName={(tid, fallback) => names.get(tid) ?? fallback}
            />
          </>
        )}
      </div>
    </section>
  );
}

function TopicsSection({
  topics,
  canManage,
  reload,
}: {
  topics: Topic[];
  canManage: boolean;
  reload(): Promise<void>;
}) {
  const [editing, setEditing] = useState<Topic | null>(null);
  const [name, setName] = useState('');
  const [keywords, setKeywords] = useState('');
  const [examples, setExamples] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState('');
  const [rowError, setRowError] = useState('');
  const nameInput = useRef<HTMLInputElement>(null);
  const id = useId();

  function edit(t: Topic | null) {
    setEditing(t);
    setName(t?.name ?? '');
    setKeywords(t?.keywords.join('\n') ?? '');
    setExamples(t?.examples.join('\n') ?? '');
    setEnabled(t?.enabled ?? true);
    setErrors({});
    if (t) nameInput.current?.focus();
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setMessage('');
    const input = { name: name.trim(), keywords: lines(keywords), examples: lines(examples), enabled };
    try {
      if (editing) await analysisApi.updateTopic(editing.id, input);
      else await analysisApi.createTopic(input);
      setMessage(
        editing
          ? `Topic “${input.name}” saved.`
          : `Topic “${input.name}” created: new posts are tagged from now on.`,
      );
      edit(null);
      await reload();
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  async function toggle(t: Topic) {
    setRowError('');
    try {
      await analysisApi.updateTopic(t.id, { enabled: !t.enabled });
      await reload();
    } catch (err) {
      setRowError(err instanceof ApiError ? err.message : 'Could not change the topic.');
    }
  }

  return (
    <section className="analysis-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Topics</h2>
      <p className="hint">
        A post gets a topic when it contains one of its keywords (a word, a phrase, <code>refund*</code> for
        any ending, <code>#tag</code>) or reads much like one of its example texts.
      </p>
      {message && <p role="status">{message}</p>}
      {rowError && (
        <p role="alert" className="error">
          {rowError}
        </p>
      )}
      <div className="two-col">
        <div>
          {topics.length === 0 ? (
            <p className="notice">No topics yet. Create one to tag posts by what they are about.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Topics</caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col">Keywords and examples</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {topics.map((t) => (
                  <tr key={t.id}>
                    <td data-label="Topic">
                      <strong>{t.name}</strong>{' '}
                      <span className={t.enabled ? 'pill ok' : 'pill off'}>{t.enabled ? 'on' : 'off'}</span>
                    </td>
                    <td data-label="Keywords and examples">
                      <span className="chip-list">
                        {t.keywords.slice(0, 8).map((k) => (
                          <code key={k} className="chip keyword">
                            {k}
                          </code>
                        ))}
                        {t.keywords.length > 8 && (
                          <span className="muted">+{t.keywords.length - 8} more</span>
                        )}
                        {t.keywords.length === 0 && <span className="muted">no keywords</span>}
                      </span>
                      {t.examples.length > 0 && (
                        <span className="muted small">
                          {t.examples.length} example{t.examples.length === 1 ? '' : 's'}
                        </span>
                      )}
                    </td>

                    <td data-label="Actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="secondary"
                          disabled={!canManage}
                          aria-label={`Edit ${t.name}`}
                          onClick={() => edit(t)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          disabled={!canManage}
                          aria-label={`${t.enabled ? 'Turn off' : 'Turn on'} ${t.name}`}
                          onClick={() => void toggle(t)}
                        >
                          {t.enabled ? 'Turn off' : 'Turn on'}
                        </button>
                        <ConfirmDelete
                          what={t.name}
                          disabled={!canManage}
                          onConfirm={async () => {
                            await analysisApi.deleteTopic(t.id);
                            if (editing?.id === t.id) edit(null);
                            await reload();
                          }}
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <form className="card" onSubmit={save} aria-label={editing ? 'Edit topic' : 'New topic'}>
          <h3>{editing ? `Edit “${editing.name}”` : 'New topic'}</h3>
          <fieldset disabled={!canManage} className="plain">
            <label htmlFor={`${id}-name`}>Topic name</label>
            <input
              ref={nameInput}
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={80}
              {...describedBy(`${id}-name`, errors, 'name')}
            />
            <FieldError id={`${id}-name`} errors={errors} field="name" />
            <label htmlFor={`${id}-keywords`}>Keywords</label>
            <textarea
              id={`${id}-keywords`}
              rows={5}
              value={keywords}
              onChange={(e) => setKeywords(e.target.value)}
              placeholder={'refund*\nmoney back\n#refund'}
              spellCheck={false}
              aria-invalid={!!errors.keywords}
              aria-describedby={`${id}-keywords-hint${errors.keywords ? ` ${id}-keywords-error` : ''}`}
            />
            <p id={`${id}-keywords-hint`} className="hint">
              One per line.
            </p>
            <FieldError id={`${id}-keywords`} errors={errors} field="keywords" />
            <label htmlFor={`${id}-examples`}>Example texts</label>
            <textarea
              id={`${id}-examples`}
              className="prose"
              rows={4}
              value={examples}
              onChange={(e) => setExamples(e.target.value)}
              placeholder="I still haven't got my money back"
              aria-invalid={!!errors.examples}
              aria-describedby={`${id}-examples-hint${errors.examples ? ` ${id}-examples-error` : ''}`}
            />
            <p id={`${id}-examples-hint`} className="hint">
              One per line; give at least one keyword or example.
            </p>
            <FieldError id={`${id}-examples`} errors={errors} field="examples" />
            <label className="check" htmlFor={`${id}-enabled`}>
              <input
                id={`${id}-enabled`}
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
              />{' '}
              Enabled
            </label>
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canManage || !name.trim()}>
                {editing ? 'Save topic' : 'Create topic'}
              </button>
              {editing && (
                <button type="button" className="secondary" onClick={() => edit(null)}>
                  Cancel
                </button>
              )}
            </div>
          </fieldset>
        </form>
      </div>
    </section>
  );
}

const pct = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');

function HeldOutFigures({ h }: { h: HeldOut | null }) {
  if (!h || h.method === 'none' || typeof h.accuracy !== 'number') {
    return <span className="muted">not measured</span>;
  }
  return (
    <dl className="figures">
      <div>
        <dt>accuracy</dt>
        <dd>{pct(h.accuracy)}</dd>
      </div>
      <div>
        <dt>macro-F1</dt>
        <dd>{pct(h.macroF1)}</dd>
      </div>
      {typeof h.oosN === 'number' && h.oosN > 0 && (
        <>
          <div>
            <dt>in-scope acc.</dt>
            <dd>{pct(h.inScopeAccuracy)}</dd>
          </div>
          <div>
            <dt>out-of-scope recall</dt>
            <dd>{pct(h.oosRecall)}</dd>
          </div>
        </>
      )}
      <div className="muted figures-note">
        {h.n ?? '?'} texts{h.method ? `, ${h.method}` : ''}
      </div>
    </dl>
  );
}

function ClassifiersSection({
  classifiers,
  canManage,
  reload,
}: {
  classifiers: Classifier[];
  canManage: boolean;
  reload(): Promise<void>;
}) {
  const [name, setName] = useState('');
  const [model, setModel] = useState<Record<string, unknown> | null>(null);
  const [fileInfo, setFileInfo] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState('');
  const [rowError, setRowError] = useState('');
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const id = useId();

  async function pick(file: File | undefined) {
    setModel(null);
    setFileInfo('');
    setErrors({});
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(await file.text());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      const m = parsed as Record<string, unknown>;
      setModel(m);
      const labels = Array.isArray(m.labels) ? m.labels.length : null;
      setFileInfo(`${file.name}: ${labels === null ? 'model read' : `${labels} labels`}`);
      if (!name.trim()) {
        setName(typeof m.name === 'string' && m.name ? m.name : file.name.replace(/\.json$/i, ''));
      }
    } catch {
      setErrors({ model: `${file.name} is not a JSON model file written by “rapport classifier train”.` });
    }
  }

  async function upload(e: FormEvent) {
    e.preventDefault();
    if (!model) {
      setErrors({ model: 'Choose the model file first.' });
      return;
    }
    setBusy(true);
    setErrors({});
    setMessage('');
    try {
      const created = await analysisApi.createClassifier({ name: name.trim(), model, enabled });
      setMessage(
        `Classifier “${created.name}” added: new posts get one of its ${created.labels.length} labels.`,
      );
      setName('');
      setModel(null);
      setFileInfo('');
      if (fileInput.current) fileInput.current.value = '';
      await reload();
    } catch (err) {
      const fe = fieldErrors(err);
      // A model the server rejects is a problem with the file: show it next to the file input.
      if (fe.form && err instanceof ApiError && (err.code === 'validation_failed' || err.status === 413)) {
        fe.model = fe.form;
        delete fe.form;
      }
      setErrors(fe);
    } finally {
      setBusy(false);
    }
  }

  async function change(c: Classifier, patch: { enabled: boolean }) {
    setRowError('');
    try {
      await analysisApi.updateClassifier(c.id, patch);
      await reload();
    } catch (err) {
      setRowError(err instanceof ApiError ? err.message : 'Could not change the classifier.');
    }
  }

  return (
    <section className="analysis-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Custom classifiers</h2>
      <p className="hint">
        Train a classifier on your own labelled posts (a JSON Lines file, one{' '}
        <code>{'{"text", "label"}'}</code> per line; label <code>oos</code> for posts that fit no label), then
        upload the model file:
      </p>
      <pre className="command">
        <code>npx rapport classifier train --file train.jsonl --out model.json</code>
      </pre>
      <p className="hint">Posts that fit none of its labels get “none”, which is not shown as a badge.</p>
      {message && <p role="status">{message}</p>}
      {rowError && (
        <p role="alert" className="error">
          {rowError}
        </p>
      )}
      <div className="two-col">
        <div>
          {classifiers.length === 0 ? (
            <p className="notice">No custom classifiers yet.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Custom classifiers</caption>
              <thead>
                <tr>
                  <th scope="col">Classifier</th>
                  <th scope="col">Labels</th>
                  <th scope="col">Held-out figures</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {classifiers.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Classifier">
                      <strong>{c.name}</strong>{' '}
                      <span className={c.enabled ? 'pill ok' : 'pill off'}>{c.enabled ? 'on' : 'off'}</span>
                    </td>
                    <td data-label="Labels">
                      <span className="chip-list">
                        {c.labels.slice(0, 12).map((l) => (
                          <span key={l} className="chip classifier">
                            {l.replaceAll('_', ' ')}
                          </span>
                        ))}
                        {c.labels.length > 12 && <span className="muted">+{c.labels.length - 12} more</span>}
                      </span>
                    </td>
                    <td data-label="Held-out figures">
                      <HeldOutFigures h={c.heldOut} />
                    </td>
                    <td data-label="Actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="secondary"
                          disabled={!canManage}
                          aria-label={`${c.enabled ? 'Turn off' : 'Turn on'} ${c.name}`}
                          onClick={() => void change(c, { enabled: !c.enabled })}
                        >
                          {c.enabled ? 'Turn off' : 'Turn on'}
                        </button>
                        <ConfirmDelete
                          what={c.name}
                          disabled={!canManage}
                          onConfirm={async () => {
                            await analysisApi.deleteClassifier(c.id);
                            await reload();
                          }}
                        />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <form className="card" onSubmit={upload} aria-label="Upload a classifier">
          <h3>Upload a classifier</h3>
          <fieldset disabled={!canManage} className="plain">
            <label htmlFor={`${id}-file`}>Model file</label>
            <input
              ref={fileInput}
              id={`${id}-file`}
              type="file"
              accept="application/json,.json"
              onChange={(e) => void pick(e.target.files?.[0])}
              {...describedBy(`${id}-file`, errors, 'model')}
            />
            {fileInfo && <p className="hint">{fileInfo}</p>}
            <FieldError id={`${id}-file`} errors={errors} field="model" />
            <label htmlFor={`${id}-name`}>Classifier name</label>
            <input
              id={`${id}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={80}
              {...describedBy(`${id}-name`, errors, 'name')}
            />
            <FieldError id={`${id}-name`} errors={errors} field="name" />
            <label className="check" htmlFor={`${id}-enabled`}>
              <input
                id={`${id}-enabled`}
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
              />{' '}
              Enabled
            </label>
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canManage || busy || !model || !name.trim()}>
                {busy ? 'Uploading…' : 'Upload classifier'}
              </button>
            </div>
          </fieldset>
        </form>
      </div>
    </section>
  );
}
