import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  listeningApi,
  type QuarantinedItem,
  type QuarantineFacets,
  type QuarantineFilter,
} from '../../api/listening.ts';
import { ApiError, formatDate } from '../../api.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { plural } from '../../components/text.ts';
import { ListeningNav } from './listening-nav.tsx';

/** The API takes this many items to retry or drop per request. */
const BULK_LIMIT = 1000;
/** The connector filter's value for items no connector brought (file imports). */
const NO_CONNECTOR = 'none';

type Action = 'retry' | 'drop';
type Asking = { item: QuarantinedItem } | 'selection' | null;

/**
 * Items the pipeline could not process. The filters (stage, connector, reason) live in the
 * address; items can be retried or dropped one by one or in bulk (those ticked, or every item
 * matching the filter), a drop only after a confirmation naming how many.
 */
export function QuarantinePage() {
  usePageTitle('Quarantine');
  const id = useId();
  const [params, setParams] = useSearchParams();
  const stage = params.get('stage') ?? '';
  const connector = params.get('connector') ?? '';
  const reason = params.get('reason') ?? '';
  const filter = useMemo<QuarantineFilter>(
    () => ({ stage: stage || undefined, connectorId: connector || undefined, reason: reason || undefined }),
    [stage, connector, reason],
  );
  const filtered = Boolean(stage || connector || reason);

  const [items, setItems] = useState<QuarantinedItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  /** The newest item when `total` was counted: "all matching" means up to it, never what came since. */
  const [newestId, setNewestId] = useState<number | undefined>(undefined);
  const [facets, setFacets] = useState<QuarantineFacets | null>(null);
  const [connectorNames, setConnectorNames] = useState<Map<string, string>>(new Map());
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [asking, setAsking] = useState<Asking>(null);
  const [working, setWorking] = useState('');
  const [done, setDone] = useState('');
  const [error, setError] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  /**
   * Where focus goes once the page shows what an action changed: the id of an element (an item's
   * heading, a Drop button after a cancelled question), or the page's heading.
   */
  const focusNext = useRef<string | 'heading' | null>(null);
  // Items retried or dropped here: a page read before that finished must not bring them back.
  const resolved = useRef(new Set<number>());
  // Answers for an older filter must not overwrite a newer one.
  const latest = useRef(0);

  const failed = useCallback(
    (fallback: string) => (err: unknown) => setError(err instanceof ApiError ? err.message : fallback),
    [],
  );

  /**
   * Reads the first page, the total and the facets again. `keep` keeps the pages loaded below
   * (after one item was resolved); otherwise the list starts again from the first page.
   */
  const refresh = useCallback(
    async (keep: boolean) => {
      const ticket = ++latest.current;
      try {
        const [page, counts] = await Promise.all([
          listeningApi.quarantine(filter),
          listeningApi.quarantineFacets(filter),
        ]);
        if (ticket !== latest.current) return;
        setItems((prev) =>
          (keep ? mergeNewestFirst(prev, page.items) : page.items).filter((i) => !resolved.current.has(i.id)),
        );
        if (!keep) setCursor(page.nextCursor);
        setTotal(page.total);
        setNewestId(page.items[0]?.id);
        setFacets(counts);
      } catch (err) {
        if (ticket === latest.current) failed('Could not load the quarantine.')(err);
      }
    },
    [filter, failed],
  );

  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
    setAsking(null);
    setError('');
    void refresh(false);
  }, [refresh]);

  useEffect(() => {
    listeningApi
      .connectors()
      .then((r) => setConnectorNames(new Map(r.items.map((c) => [c.id, c.name]))))
      .catch(() => undefined);
  }, []);

  // Focus moves once the page shows the change: never left on a button that is gone (<body>).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each change of what is shown
  useEffect(() => {
    const target = focusNext.current;
    if (target === null) return;
    focusNext.current = null;
    const element = target === 'heading' ? null : heading.current?.ownerDocument.getElementById(target);
    (element ?? heading.current)?.focus();
  }, [items, asking]);

  const connectorName = (value: string | null) =>
    value === null ? 'File imports' : (connectorNames.get(value) ?? value);

  const setFilter = (key: 'stage' | 'connector' | 'reason', value: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  /** Retries or drops one item; focus goes to the item now in its place (or the heading). */
  async function resolveOne(item: QuarantinedItem, action: Action) {
    setError('');
    setDone('');
    const at = items.findIndex((i) => i.id === item.id);
    const neighbour = items[at + 1] ?? items[at - 1];
    try {
      await listeningApi.resolve(item.id, action);
    } catch (err) {
      failed(action === 'retry' ? 'Could not retry the item.' : 'Could not drop the item.')(err);
      return;
    }
    resolved.current.add(item.id);
    setAsking(null);
    setSelected((prev) => {
      const next = new Set(prev);
      next.delete(item.id);
      return next;
    });
    setDone(action === 'retry' ? `Item ${item.id} sent to the pipeline again.` : `Item ${item.id} dropped.`);
    focusNext.current = neighbour ? `${id}-item-${neighbour.id}` : 'heading';
    setItems((prev) => prev.filter((i) => i.id !== item.id));
    setTotal((t) => (t === null ? t : Math.max(0, t - 1)));
    // What arrived meanwhile (a retry that failed anew comes back as a new item) shows at the top.
    await refresh(true);
  }

  const selectionCount = allMatching ? (total ?? 0) : selected.size;

  /** Retries or drops the selection: the ticked items, or every item matching the filter. */
  async function resolveSelection(action: Action) {
    setError('');
    setDone('');
    setAsking(null);
    const verb = action === 'retry' ? 'Retrying' : 'Dropping';
    const expected = selectionCount;
    let count = 0;
    try {
      if (allMatching) {
        for (;;) {
          setWorking(`${verb}… ${count.toLocaleString('en')} of ${expected.toLocaleString('en')}`);
          const step = await listeningApi.resolveMany(action, { filter: { ...filter, maxId: newestId } });
          count += step.resolved;
          for (const i of step.ids) resolved.current.add(i);
          if (step.remaining === 0 || step.resolved === 0) break;
        }
      } else {
        const ids = [...selected];
        for (let i = 0; i < ids.length; i += BULK_LIMIT) {
          setWorking(`${verb}… ${count.toLocaleString('en')} of ${expected.toLocaleString('en')}`);
          const step = await listeningApi.resolveMany(action, { ids: ids.slice(i, i + BULK_LIMIT) });
          count += step.resolved;
          for (const r of step.ids) resolved.current.add(r);
        }
      }
    } catch (err) {
      failed(action === 'retry' ? 'Could not retry the items.' : 'Could not drop the items.')(err);
    } finally {
      setWorking('');
    }
    if (count > 0)
      setDone(
        action === 'retry'
          ? `${plural(count, 'item')} sent to the pipeline again.`
          : `${plural(count, 'item')} dropped.`,
      );
    setSelected(new Set());
    setAllMatching(false);
    focusNext.current = 'heading';
    await refresh(false);
  }

  const shownSelected = items.filter((i) => selected.has(i.id)).length;
  const allShown = allMatching || (items.length > 0 && shownSelected === items.length);
  const toggle = (itemId: number) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(itemId)) next.delete(itemId);
      else next.add(itemId);
      return next;
    });

  return (
    <section className="page wide quarantine-page">
      <h1 ref={heading} tabIndex={-1}>
        Quarantine
      </h1>
      <ListeningNav />
      <p className="hint">
        Items the pipeline could not process are kept here with the reason, never dropped silently. Retry
        sends an item through the pipeline again (after a fix); drop removes it for good.
      </p>
      <search className="filters" aria-label="Filter the quarantine">
        <FacetSelect
          id={`${id}-stage`}
          label="Stage"
          value={stage}
          facet={facets?.stages}
          labelOf={(v) => v}
          onChange={(v) => setFilter('stage', v)}
        />
        <FacetSelect
          id={`${id}-connector`}
          label="Connector"
          value={connector}
          facet={facets?.connectors.map((f) => ({ value: f.value ?? NO_CONNECTOR, count: f.count }))}
          labelOf={(v) => connectorName(v === NO_CONNECTOR ? null : v)}
          onChange={(v) => setFilter('connector', v)}
        />
        <FacetSelect
          id={`${id}-reason`}
          label="Reason"
          value={reason}
          facet={facets?.reasons}
          labelOf={(v) => (v.length > 80 ? `${v.slice(0, 79)}…` : v)}
          onChange={(v) => setFilter('reason', v)}
        />
        {filtered && (
          <button
            type="button"
            className="secondary compact"
            onClick={() => setParams(new URLSearchParams(), { replace: true })}
          >
            Clear filters
          </button>
        )}
      </search>
      <p className="muted small" role="status">
        {total === null
          ? 'Loading…'
          : total === 0
            ? filtered
              ? 'No open item matches these filters.'
              : 'Nothing in quarantine.'
            : `${plural(total, 'open item')}${filtered ? ` matching the filters (of ${(facets?.total ?? total).toLocaleString('en')})` : ''}; showing the newest ${items.length.toLocaleString('en')}.`}
        {working && ` ${working}`}
        {done && ` ${done}`}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items.length > 0 && (
        <fieldset className="plain bulk-bar">
          <legend className="visually-hidden">Selected items</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={allShown}
              disabled={Boolean(working)}
              ref={(el) => {
                if (el) el.indeterminate = shownSelected > 0 && !allShown;
              }}
              onChange={() => {
                setAsking(null);
                if (allShown) {
                  setAllMatching(false);
                  setSelected(new Set());
                } else setSelected(new Set(items.map((i) => i.id)));
              }}
            />
            Select all shown
          </label>
          {allShown && !allMatching && total !== null && total > items.length && (
            <button
              type="button"
              className="secondary compact"
              onClick={() => {
                setAsking(null);
                setAllMatching(true);
              }}
            >
              Select all {plural(total, 'item')} matching{filtered ? ' the filters' : ''}
            </button>
          )}
          <span className="muted small-inline" aria-live="polite">
            {allMatching
              ? `All ${plural(total ?? 0, 'matching item')} selected`
              : selected.size === 0
                ? 'None selected'
                : `${selected.size.toLocaleString('en')} selected`}
          </span>
          <button
            type="button"
            className="compact"
            disabled={selectionCount === 0 || Boolean(working)}
            onClick={() => void resolveSelection('retry')}
          >
            Retry selected
          </button>
          {asking === 'selection' ? (
            <ConfirmDrop
              question={`Drop ${plural(selectionCount, 'item')} for good? ${selectionCount === 1 ? 'It' : 'They'} cannot be retried afterwards.`}
              confirm={`Yes, drop ${plural(selectionCount, 'item')}`}
              onConfirm={() => void resolveSelection('drop')}
              onCancel={() => {
                focusNext.current = `${id}-drop-selection`;
                setAsking(null);
              }}
            />
          ) : (
            <button
              id={`${id}-drop-selection`}
              type="button"
              className="secondary compact danger"
              disabled={selectionCount === 0 || Boolean(working)}
              onClick={() => setAsking('selection')}
            >
              Drop selected
            </button>
          )}
        </fieldset>
      )}
      {items.map((item) => (
        <article key={item.id} className="card quarantine-item" aria-labelledby={`${id}-item-${item.id}`}>
          <div className="quarantine-item-head">
            <input
              type="checkbox"
              checked={allMatching || selected.has(item.id)}
              disabled={allMatching || Boolean(working)}
              onChange={() => toggle(item.id)}
              aria-label={`Select item ${item.id}`}
            />
            <h2 id={`${id}-item-${item.id}`} className="quarantine-item-title" tabIndex={-1}>
              Item #{item.id}
            </h2>
            <span className="chip">{item.format}</span>
            <span className="chip">{item.stage}</span>
            <span className="chip">{connectorName(item.connectorId)}</span>
            <span className="muted">{formatDate(item.createdAt)}</span>
          </div>
          <p className="field-error">{item.reason}</p>
          <pre className="payload">{item.payload.slice(0, 2000)}</pre>
          <div className="row">
            <button
              type="button"
              aria-label={`Retry item ${item.id}`}
              disabled={Boolean(working)}
              onClick={() => void resolveOne(item, 'retry')}
            >
              Retry
            </button>
            {typeof asking === 'object' && asking?.item.id === item.id ? (
              <ConfirmDrop
                question={`Drop item #${item.id} for good? It cannot be retried afterwards.`}
                confirm={`Yes, drop item ${item.id}`}
                onConfirm={() => void resolveOne(item, 'drop')}
                onCancel={() => {
                  focusNext.current = `${id}-drop-${item.id}`;
                  setAsking(null);
                }}
              />
            ) : (
              <button
                id={`${id}-drop-${item.id}`}
                type="button"
                className="secondary danger"
                aria-label={`Drop item ${item.id}`}
                disabled={Boolean(working)}
                onClick={() => setAsking({ item })}
              >
                Drop
              </button>
            )}
          </div>
        </article>
      ))}
      <LoadMore
        cursor={cursor}
        label="Load more"
        load={(after) => listeningApi.quarantine(filter, after)}
        onPage={(page) => {
          setItems((prev) => mergeNewestFirst(prev, page.items).filter((i) => !resolved.current.has(i.id)));
          setCursor(page.nextCursor);
        }}
        onError={failed('Could not load more of the quarantine.')}
      />
    </section>
  );
}

/** A filter of the quarantine, its choices counted; a value no longer counted stays choosable. */
function FacetSelect({
  id,
  label,
  value,
  facet,
  labelOf,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  facet: { value: string; count: number }[] | undefined;
  labelOf(value: string): string;
  onChange(value: string): void;
}) {
  const options = facet ?? [];
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{`Any ${label.toLowerCase()}`}</option>
        {value && !options.some((o) => o.value === value) && (
          <option value={value}>{labelOf(value)} (0)</option>
        )}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {`${labelOf(o.value)} (${o.count.toLocaleString('en')})`}
          </option>
        ))}
      </select>
    </>
  );
}

/** The question before a drop, naming how many; focus starts on Cancel, the safe answer. */
function ConfirmDrop({
  question,
  confirm,
  onConfirm,
  onCancel,
}: {
  question: string;
  confirm: string;
  onConfirm(): void;
  onCancel(): void;
}) {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancel.current?.focus();
  }, []);
  return (
    <span className="confirm">
      <span>{question}</span>
      <button type="button" className="danger-solid" onClick={onConfirm}>
        {confirm}
      </button>
      <button ref={cancel} type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </span>
  );
}

/** The items of both lists, each once (the later copy wins), newest (highest id) first, as the API pages them. */
function mergeNewestFirst(shown: QuarantinedItem[], page: QuarantinedItem[]): QuarantinedItem[] {
  const byId = new Map(shown.map((i) => [i.id, i]));
  for (const i of page) byId.set(i.id, i);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}
