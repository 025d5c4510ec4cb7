import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import type { CustomerSummary } from '../../api/customers.ts';
import {
  type Segment,
  type SegmentField,
  type SegmentKind,
  type SegmentRule,
  segmentsApi,
} from '../../api/segments.ts';
import { ApiError } from '../../api.ts';
import { ConfirmDelete, describedBy, FieldError, type FieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { plural } from '../../components/text.ts';
import { useSession } from '../../session.tsx';
import { CustomersNav, roleNote } from './customer-bits.tsx';
import { useCanWriteCustomers } from './customers-page.tsx';
import { RuleEditor } from './rule-editor.tsx';
import { SegmentMembers } from './segment-members.tsx';
import {
  type Compiled,
  compile,
  type DraftGroup,
  emptyCondition,
  emptyGroup,
  fromRule,
  placeErrors,
} from './segment-rule.ts';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

/** Errors of a save: the rule's go to its conditions, the others to the form's fields. */
function splitErrors(err: unknown): { form: FieldErrors; rule: Record<string, string> } {
  if (!(err instanceof ApiError)) return { form: { form: 'Something went wrong. Try again.' }, rule: {} };
  const form: FieldErrors = {};
  const rule: Record<string, string> = {};
  for (const [path, text] of Object.entries(err.fields)) {
    if (/^(rule|conditions|match)\b/.test(path)) rule[path] = text;
    else {
      const field = path.split('.')[0] || 'form';
      form[field] = form[field] ? `${form[field]}; ${text}` : text;
    }
  }
  if (Object.keys(form).length === 0 && Object.keys(rule).length === 0) form.form = err.message;
  return { form, rule };
}

/**
 * A segment or static list: create (`/customers/segments/new`, `?kind=static` for a list) or
 * look at and edit one, with the live count of its rule and its members.
 */
export function SegmentBuilderPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const canWrite = useCanWriteCustomers();
  const { session } = useSession();
  const formId = useId();

  const [segment, setSegment] = useState<Segment | null>(null);
  const [missing, setMissing] = useState(false);
  const [loadError, setLoadError] = useState('');
  const [fields, setFields] = useState<SegmentField[] | null>(null);
  const [fieldsError, setFieldsError] = useState('');
  const [lists, setLists] = useState<Segment[]>([]);

  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [shared, setShared] = useState(true);
  const [root, setRoot] = useState<DraftGroup>(() => emptyGroup('all', [emptyCondition()]));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saveRuleErrors, setSaveRuleErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [membersVersion, setMembersVersion] = useState(0);

  const kind: SegmentKind = segment?.kind ?? (params.get('kind') === 'static' ? 'static' : 'dynamic');
  const isNew = !id;
  const title = segment?.name ?? (isNew ? (kind === 'static' ? 'New list' : 'New segment') : 'Segment');
  usePageTitle(title);

  // The segment being edited.
  useEffect(() => {
    if (!id) return;
    let current = true;
    setSegment(null);
    setMissing(false);
    setLoadError('');
    setStatus('');
    setErrors({});
    setSaveRuleErrors({});
    segmentsApi
      .get(id)
      .then((s) => {
        if (!current) return;
        setSegment(s);
        setName(s.name);
        setDescription(s.description ?? '');
        setShared(s.shared);
        setRoot(s.rule ? fromRule(s.rule) : emptyGroup());
      })
      .catch((err) => {
        if (!current) return;
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setLoadError(message(err, 'Could not load this segment.'));
      });
    return () => {
      current = false;
    };
  }, [id]);

  // The message of the page that brought us here ("created"), shown once: a reload or a return to
  // this page does not repeat it.
  useEffect(() => {
    const created = (location.state as { created?: string } | null)?.created;
    if (created) setStatus(created);
    if (location.state) navigate(location.pathname + location.search, { replace: true, state: null });
  }, [location, navigate]);

  // What a rule can say: the field catalogue and the static lists.
  useEffect(() => {
    segmentsApi
      .fields()
      .then((r) => setFields(r.fields))
      .catch((err) => setFieldsError(message(err, 'Could not load the fields.')));
    segmentsApi
      .all()
      .then((all) => setLists(all.filter((s) => s.kind === 'static')))
      .catch(() => undefined);
  }, []);

  const fieldMap = useMemo(() => new Map((fields ?? []).map((f) => [f.field, f])), [fields]);
  const compiled = useMemo<Compiled | null>(
    () => (fields && kind === 'dynamic' ? compile(root, fieldMap) : null),
    [root, fields, fieldMap, kind],
  );
  const savedRuleJson = useMemo(
    () => (segment?.rule && fields ? JSON.stringify(compile(fromRule(segment.rule), fieldMap).rule) : ''),
    [segment, fields, fieldMap],
  );
  const ruleJson = compiled?.rule ? JSON.stringify(compiled.rule) : '';
  const dirty =
    !!segment &&
    (name.trim() !== segment.name ||
      (description.trim() || null) !== segment.description ||
      shared !== segment.shared ||
      (kind === 'dynamic' && ruleJson !== savedRuleJson));

  // The live count: the rule's complete conditions, ~400 ms after the last change.
  const [preview, setPreview] = useState<{ count: number; sample: CustomerSummary[] } | null>(null);
  const [counting, setCounting] = useState(false);
  const [previewRuleErrors, setPreviewRuleErrors] = useState<Record<string, string>>({});
  const [previewProblem, setPreviewProblem] = useState('');
  const latest = useRef(0);
  const compiledRef = useRef(compiled);
  compiledRef.current = compiled;
  useEffect(() => {
    const ticket = ++latest.current;
    if (!ruleJson) {
      setPreview(null);
      setCounting(false);
      setPreviewRuleErrors({});
      setPreviewProblem('');
      return;
    }
    setCounting(true);
    const timer = setTimeout(() => {
      const keys = compiledRef.current?.keys ?? new Map<string, string>();
      const rootKey = keys.get('') ?? '';
      segmentsApi
        .preview(JSON.parse(ruleJson) as SegmentRule)
        .then((p) => {
          if (ticket !== latest.current) return;
          setPreview(p);
          setPreviewRuleErrors({});
          setPreviewProblem('');
        })
        .catch((err) => {
          if (ticket !== latest.current) return;
          setPreview(null);
          if (err instanceof ApiError && err.status === 400) {
            const byPath = err.fields;
            setPreviewRuleErrors(
              Object.keys(byPath).length > 0
                ? placeErrors(byPath, keys, rootKey)
                : { [rootKey]: err.message },
            );
            setPreviewProblem('');
          } else {
            setPreviewRuleErrors({});
            setPreviewProblem(message(err, 'Could not count the customers.'));
          }
        })
        .finally(() => {
          if (ticket === latest.current) setCounting(false);
        });
    }, 400);
    return () => clearTimeout(timer);
  }, [ruleJson]);

  const ruleErrors = useMemo(() => {
    const placed = compiled
      ? placeErrors(saveRuleErrors, compiled.keys, compiled.keys.get('') ?? root.key)
      : {};
    return { ...previewRuleErrors, ...placed };
  }, [saveRuleErrors, previewRuleErrors, compiled, root.key]);

  // Closing or reloading the tab with unsaved changes asks first.
  const unsaved = segment ? dirty : isNew && name.trim() !== '';
  useEffect(() => {
    if (!unsaved) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setSaveRuleErrors({});
    setStatus('');
    if (kind === 'dynamic') {
      if (!compiled) return;
      if (compiled.pending.size > 0) {
        setErrors({ form: 'Finish or remove the conditions marked “Not counted yet” before saving.' });
        return;
      }
      if (!compiled.rule) {
        setErrors({ form: 'Add at least one condition: a segment is the customers who match its rule.' });
        return;
      }
    }
    const rule = kind === 'dynamic' && compiled?.rule ? { rule: compiled.rule } : {};
    setBusy(true);
    try {
      if (!segment) {
        const created = await segmentsApi.create({
          name: name.trim(),
          ...(description.trim() ? { description: description.trim() } : {}),
          kind,
          shared,
          ...rule,
        });
        navigate(`/customers/segments/${encodeURIComponent(created.id)}`, {
          replace: true,
          state: {
            created:
              kind === 'static' ? `List “${created.name}” created.` : `Segment “${created.name}” saved.`,
          },
        });
        return;
      }
      const saved = await segmentsApi.update(segment.id, {
        name: name.trim(),
        description: description.trim() || null,
        // Only the owner may change who sees a segment: others do not send it at all.
        ...(shared !== segment.shared ? { shared } : {}),
        ...rule,
      });
      setSegment(saved);
      setStatus(kind === 'static' ? 'List saved.' : 'Segment saved. Members follow the new rule.');
      setMembersVersion((v) => v + 1);
    } catch (err) {
      const split = splitErrors(err);
      setErrors(split.form);
      setSaveRuleErrors(split.rule);
    } finally {
      setBusy(false);
    }
  }

  /** A new segment with this one's saved rule, to change without touching the original. */
  async function duplicate() {
    if (!segment?.rule) return;
    setErrors({});
    setStatus('');
    try {
      const copy = await segmentsApi.create({
        name: `${segment.name} (copy)`.slice(0, 120),
        ...(segment.description ? { description: segment.description } : {}),
        kind: 'dynamic',
        rule: segment.rule,
        shared: segment.shared,
      });
      navigate(`/customers/segments/${encodeURIComponent(copy.id)}`, {
        state: { created: `Copied to “${copy.name}”: change it and save.` },
      });
    } catch (err) {
      setErrors({ form: message(err, 'Could not duplicate the segment.') });
    }
  }

  async function remove() {
    if (!segment) return;
    await segmentsApi.remove(segment.id);
    navigate('/customers/segments', {
      state: { status: `${segment.kind === 'static' ? 'List' : 'Segment'} “${segment.name}” deleted.` },
    });
  }

  if (missing) {
    return (
      <section className="page">
        <h1>Segment not found</h1>
        <p className="notice">
          There is no segment here, or it is private to someone else.{' '}
          <Link to="/customers/segments">Back to segments</Link>
        </p>
      </section>
    );
  }
  if (!isNew && !segment) {
    return (
      <section className="page">
        {loadError ? (
          <p role="alert" className="error">
            {loadError}
          </p>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </section>
    );
  }

  const editable = canWrite;
  // Who sees a segment is its owner's choice (segments made by the system have none).
  const ownsIt = !segment || segment.ownerUserId === null || segment.ownerUserId === session?.user.id;
  const lead =
    kind === 'static'
      ? 'A static list holds the customers you add to it, from the customer list, a profile or here. Nobody joins or leaves it by themselves.'
      : 'A segment is the customers who match its rule, worked out whenever you look: people join and leave it as their profiles change.';

  return (
    <section className="page wide segment-page">
      <p className="breadcrumb">
        <Link to="/customers">Customers</Link> <span aria-hidden="true">›</span>{' '}
        <Link to="/customers/segments">Segments</Link> <span aria-hidden="true">›</span>
      </p>
      <div className="page-head segment-head">
        <h1>{title}</h1>
        <span className={kind === 'static' ? 'pill kind static' : 'pill kind'}>
          {kind === 'static' ? 'Static list' : 'Dynamic segment'}
        </span>
        {segment && (
          <span className={segment.shared ? 'pill ok' : 'pill off'}>
            {segment.shared ? 'Shared' : 'Private'}
          </span>
        )}
        {segment && <span className="pill score">{plural(segment.memberCount, 'member')}</span>}
      </div>
      <CustomersNav />
      <p className="hint">{lead}</p>
      {!canWrite && (
        <p className="notice" role="note">
          {roleNote}
        </p>
      )}
      {status && (
        <p role="status" className="success">
          {status}
        </p>
      )}
      <form
        onSubmit={save}
        aria-label={isNew ? title : `Edit ${kind === 'static' ? 'list' : 'segment'}`}
        noValidate
        className={kind === 'dynamic' ? 'segment-layout' : 'segment-layout static'}
      >
        <div className="segment-main">
          <fieldset disabled={!editable} className="card plain-card segment-details">
            <legend className="visually-hidden">Details</legend>
            <label htmlFor={`${formId}-name`}>Name</label>
            <input
              id={`${formId}-name`}
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
              maxLength={200}
              placeholder={
                kind === 'static' ? 'e.g. Follow up after the conference' : 'e.g. Unhappy big spenders'
              }
              {...describedBy(`${formId}-name`, errors, 'name')}
            />
            <FieldError id={`${formId}-name`} errors={errors} field="name" />
            <label htmlFor={`${formId}-description`}>Description (optional)</label>
            <textarea
              id={`${formId}-description`}
              className="prose"
              rows={2}
              maxLength={2000}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              {...describedBy(`${formId}-description`, errors, 'description')}
            />
            <FieldError id={`${formId}-description`} errors={errors} field="description" />
            <label className="check">
              <input
                type="checkbox"
                checked={shared}
                disabled={!ownsIt}
                aria-describedby={`${formId}-shared-hint`}
                onChange={(e) => setShared(e.target.checked)}
              />
              Shared with the team
            </label>
            <p id={`${formId}-shared-hint`} className="hint">
              {!ownsIt
                ? 'Only the person who created it can make it private.'
                : shared
                  ? 'Everyone who can see customers sees it.'
                  : 'Private: only you see it and can change it.'}
            </p>
            <FieldError id={`${formId}-shared`} errors={errors} field="shared" />
          </fieldset>

          {kind === 'dynamic' && (
            <section className="card rule-card" aria-labelledby={`${formId}-rule`}>
              <h2 id={`${formId}-rule`} className="card-title">
                Rule
              </h2>
              {fieldsError ? (
                <p role="alert" className="error">
                  {fieldsError}
                </p>
              ) : fields === null ? (
                <p className="muted">Loading fields…</p>
              ) : (
                <RuleEditor
                  root={root}
                  onChange={(next) => {
                    setRoot(next);
                    setSaveRuleErrors({});
                  }}
                  fields={fields}
                  lists={lists.filter((l) => l.id !== segment?.id)}
                  errors={ruleErrors}
                  pending={Object.fromEntries(compiled?.pending ?? [])}
                  disabled={!editable}
                />
              )}
            </section>
          )}

          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div className="row segment-actions">
            <button type="submit" disabled={!editable || busy || !name.trim()}>
              {busy ? 'Saving…' : isNew ? (kind === 'static' ? 'Create list' : 'Save segment') : 'Save'}
            </button>
            {isNew ? (
              <Link to="/customers/segments" className="button-link secondary">
                Cancel
              </Link>
            ) : (
              dirty && <span className="muted small-inline">Unsaved changes</span>
            )}
            {segment?.kind === 'dynamic' && (
              <button
                type="button"
                className="secondary"
                disabled={!editable || busy}
                title="A new segment with the saved rule"
                onClick={() => void duplicate()}
              >
                Duplicate
              </button>
            )}
            {segment && (
              <span className="segment-delete">
                <ConfirmDelete what={segment.name} disabled={!editable} onConfirm={remove} />
              </span>
            )}
          </div>
        </div>

        {kind === 'dynamic' && (
          <aside className="segment-side">
            <LiveCount
              preview={preview}
              counting={counting}
              problem={previewProblem}
              empty={!ruleJson}
              invalid={Object.keys(previewRuleErrors).length > 0}
            />
          </aside>
        )}
      </form>

      {segment && (
        <SegmentMembers
          segment={segment}
          version={membersVersion}
          canWrite={editable}
          dirty={dirty && kind === 'dynamic'}
          onChanged={() =>
            segmentsApi
              .get(segment.id)
              .then(setSegment)
              .catch(() => undefined)
          }
        />
      )}
    </section>
  );
}

/** How many customers the rule matches now, with a few of them. */
function LiveCount({
  preview,
  counting,
  problem,
  empty,
  invalid,
}: {
  preview: { count: number; sample: CustomerSummary[] } | null;
  counting: boolean;
  problem: string;
  empty: boolean;
  invalid: boolean;
}) {
  const id = useId();
  const text = empty
    ? 'Add a condition to see who matches.'
    : invalid
      ? 'Fix the rule to see who matches.'
      : preview
        ? `${plural(preview.count, 'customer')} ${preview.count === 1 ? 'matches' : 'match'}`
        : counting
          ? 'Counting…'
          : '';
  return (
    <section className="card live-count" aria-labelledby={`${id}-title`} aria-busy={counting}>
      <h2 id={`${id}-title`} className="card-title">
        Live count
      </h2>
      <p role="status" className="live-count-figure">
        {text}
      </p>
      {counting && preview && <p className="muted small">Updating…</p>}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {preview && preview.sample.length > 0 && !empty && !invalid && (
        <>
          <h3 className="why-kind">For example</h3>
          <ul className="sample-list" aria-label="Sample of matching customers">
            {preview.sample.map((c) => (
              <li key={c.id}>
                <Link to={`/customers/${encodeURIComponent(c.id)}`}>{c.displayName}</Link>
                {c.primaryEmail && <span className="muted small-inline"> {c.primaryEmail}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
