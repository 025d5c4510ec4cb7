import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { analysisApi, type Classifier, readAnalysis, type Topic } from '../../api/analysis.ts';
import { inboxWorkers } from '../../api/inbox.ts';
import { type ListeningQuery, listeningApi, type Mention, type MentionFilters } from '../../api/listening.ts';
import { ApiError } from '../../api.ts';
import { useModalDialog } from '../../components/modal-dialog.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { ListeningNav } from './listening-nav.tsx';
import { MentionCard, Sparkline } from './mention-card.tsx';
import { filtersFromParams, withStreamFilter } from './stream-filters.ts';
import { TriageBar } from './triage-bar.tsx';

/** Until the workspace's channels arrive (GET /listening/channels): the ones Rapport's connectors use. */
const knownChannels = ['bluesky', 'mastodon', 'rss', 'webhook', 'import', 'email'];
const sentiments = ['negative', 'neutral', 'positive'];
const intents = ['complaint', 'support_question', 'purchase_intent', 'praise', 'idea', 'churn_risk', 'spam'];
const urgencies: Option[] = [
  { value: '70', label: 'Urgency 70+ (high)' },
  { value: '40', label: 'Urgency 40+ (medium)' },
  { value: '20', label: 'Urgency 20+' },
];

/** Does a mention pushed over SSE belong in the current filtered view? */
function passes(m: Mention, f: MentionFilters): boolean {
  if (m.deleted) return false;
  if (f.queryId && !m.queryIds.includes(f.queryId)) return false;
  if (f.channel && m.channel !== f.channel) return false;
  if (f.language && m.language !== f.language) return false;
  if (f.sentiment && m.sentiment !== f.sentiment) return false;
  if (f.intent && !m.intents.includes(f.intent)) return false;
  if (f.topic && !(m.topicIds ?? []).includes(f.topic)) return false;
  if (f.minUrgency && (m.urgency ?? -1) < Number(f.minUrgency)) return false;
  if (f.class && !readAnalysis(m).classifiers.some((c) => `${c.classifierId}:${c.label}` === f.class)) {
    return false;
  }
  if (f.search) {
    const text = m.text.toLowerCase();
    if (
      !f.search
        .toLowerCase()
        .split(/\s+/)
        .every((w) => text.includes(w))
    )
      return false;
  }
  return true;
}

export function ListeningPage() {
  usePageTitle('Listening');
  const [queries, setQueries] = useState<ListeningQuery[]>([]);
  const [topics, setTopics] = useState<Topic[]>([]);
  const [classifiers, setClassifiers] = useState<Classifier[]>([]);
  const [channels, setChannels] = useState<string[]>(knownChannels);
  const [volumes, setVolumes] = useState<Map<string, number[]>>(new Map());
  // The filters live in the address (stream-filters.ts), so a reload or a shared link restores them.
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  // The search box applies as one types, once typing pauses (Enter at once), like the dropdowns.
  const [search, setSearch] = useState(() => filters.search ?? '');
  /** The search last put in the address from here: another change of it (Back) refills the box. */
  const appliedSearch = useRef(filters.search ?? '');
  const [mentions, setMentions] = useState<Mention[]>([]);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const [open, setOpen] = useState<Mention | null>(null);
  const { session } = useSession();
  const canDecide = !!session && inboxWorkers.includes(session.user.role);
  /** Ticked undecided posts, for deciding on them together (at most 200, what one request takes). */
  const [picked, setPicked] = useState<Set<number>>(new Set());
  const [triaged, setTriaged] = useState('');
  const closeThread = useCallback(() => setOpen(null), []);
  /** New mentions held back while someone reads the list, so what they point at does not move. */
  const [waiting, setWaiting] = useState<Mention[]>([]);
  const reading = useRef({ pointer: false, focus: false });
  const waitingCount = useRef(0);
  waitingCount.current = waiting.length;
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const queryMap = useMemo(() => new Map(queries.map((q) => [q.id, q])), [queries]);
  const topicMap = useMemo(() => new Map(topics.map((t) => [t.id, t])), [topics]);
  const classOptions = useMemo(
    () =>
      classifiers.flatMap((c) =>
        c.labels
          .filter((l) => l !== 'none')
          .map((l) => ({ value: `${c.id}:${l}`, label: `${c.name}: ${l.replaceAll('_', ' ')}` })),
      ),
    [classifiers],
  );

  useEffect(() => {
    listeningApi
      .queries()
      .then((r) => setQueries(r.items))
      .catch(() => undefined);
    analysisApi
      .topics()
      .then((r) => setTopics(r.items))
      .catch(() => undefined);
    analysisApi
      .classifiers()
      .then((r) => setClassifiers(r.items))
      .catch(() => undefined);
    listeningApi
      .channels()
      .then((r) => setChannels(r.items))
      .catch(() => undefined);
    listeningApi
      .volumes(14)
      .then((r) => {
        const days = Array.from({ length: 14 }, (_, i) =>
          new Date(Date.now() - (13 - i) * 86_400_000).toISOString().slice(0, 10),
        );
        const byQuery = new Map<string, number[]>();
        for (const v of r.items) {
          const series = byQuery.get(v.queryId) ?? days.map(() => 0);
          const at = days.indexOf(v.day);
          if (at >= 0) series[at] = v.count;
          byQuery.set(v.queryId, series);
        }
        setVolumes(byQuery);
      })
      .catch(() => undefined);
  }, []);

  /**
   * Counts fresh loads, so the answer to an earlier filter that arrives late does not replace a
   * later one, and an older page asked for the list before does not join the new one.
   */
  const loads = useRef(0);
  const load = useCallback(async (f: MentionFilters, after?: string) => {
    const ticket = after ? loads.current : ++loads.current;
    if (!after) setCursor(null);
    try {
      setError('');
      const page = await listeningApi.mentions(f, after);
      if (ticket !== loads.current) return;
      setMentions((prev) => (after ? [...prev, ...page.items] : page.items));
      if (!after) setPicked(new Set());
      if (!after) setWaiting([]);
      setCursor(page.nextCursor);
    } catch (err) {
      if (ticket !== loads.current) return;
      setError(err instanceof ApiError ? err.message : 'Could not load mentions.');
    }
  }, []);

  useEffect(() => {
    void load(filters);
  }, [filters, load]);

  // Live stream: new and changed mentions arrive over Server-Sent Events.
  useEffect(() => {
    const source = new EventSource('/api/v1/mentions/stream');
    source.addEventListener('ready', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('mentions', (event) => {
      const incoming = JSON.parse((event as MessageEvent<string>).data) as Mention[];
      // Someone reading (pointer or focus in the list, or scrolled down) keeps their place: new
      // posts wait behind a button; changes to the posts on screen still show in place.
      const hold =
        reading.current.pointer || reading.current.focus || window.scrollY > 200 || waitingCount.current > 0;
      setMentions((prev) => {
        const byId = new Map(prev.map((m) => [m.id, m]));
        const added: Mention[] = [];
        for (const m of incoming) {
          if (byId.has(m.id)) byId.set(m.id, m);
          else if (passes(m, filtersRef.current)) added.push(m);
        }
        const updated = prev.map((m) => byId.get(m.id) ?? m).filter((m) => !m.deleted);
        if (hold) {
          if (added.length > 0)
            setWaiting((w) => {
              const seen = new Set(w.map((m) => m.id));
              return [...added.reverse().filter((m) => !seen.has(m.id)), ...w].slice(0, 500);
            });
          return updated;
        }
        setFresh(new Set(added.map((m) => m.id)));
        return [...added.reverse(), ...updated].slice(0, 500);
      });
    });
    return () => source.close();
  }, []);

  const set = useCallback(
    (key: keyof MentionFilters, value: string) =>
      setParams((p) => withStreamFilter(p, key, value), { replace: true }),
    [setParams],
  );

  const applySearch = useCallback(
    (value: string) => {
      const text = value.trim();
      if (text === appliedSearch.current) return;
      appliedSearch.current = text;
      set('search', text);
    },
    [set],
  );

  useEffect(() => {
    const timer = setTimeout(() => applySearch(search), 300);
    return () => clearTimeout(timer);
  }, [search, applySearch]);

  const undecided = mentions.filter((m) => !m.deleted && !m.disposition);
  const searchInAddress = filters.search ?? '';
  useEffect(() => {
    if (searchInAddress === appliedSearch.current) return;
    appliedSearch.current = searchInAddress;
    setSearch(searchInAddress);
  }, [searchInAddress]);

  return (
    <section className="page wide">
      <div className="page-head">
        <h1>Listening</h1>
        <span className={live ? 'live on' : 'live'} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
      </div>
      <ListeningNav />
      <div className="listening">
        <aside className="queries-panel" aria-label="Listening queries">
          <button
            type="button"
            className={filters.queryId ? 'query-row' : 'query-row active'}
            aria-pressed={!filters.queryId}
            onClick={() => set('queryId', '')}
          >
            <span>All stored mentions</span>
          </button>
          {queries.map((q) => (
            <button
              key={q.id}
              type="button"
              className={filters.queryId === q.id ? 'query-row active' : 'query-row'}
              aria-pressed={filters.queryId === q.id}
              onClick={() => set('queryId', q.id)}
            >
              <span>{q.name}</span>
              <Sparkline
                values={volumes.get(q.id) ?? []}
                label={`${q.name}: mentions per day, last 14 days`}
              />
            </button>
          ))}
        </aside>
        <div className="stream">
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
            <label>
              <span className="visually-hidden">Search</span>
              <input
                type="search"
                placeholder="Search text…"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') applySearch(search);
                }}
              />
            </label>
            <Select
              label="Channel"
              value={filters.channel}
              options={channels}
              onChange={(v) => set('channel', v)}
            />
            <Select
              label="Language"
              value={filters.language}
              options={['en', 'es', 'fr', 'de', 'pt', 'it', 'nl', 'ja', 'und']}
              onChange={(v) => set('language', v)}
            />
            <Select
              label="Sentiment"
              value={filters.sentiment}
              options={sentiments}
              onChange={(v) => set('sentiment', v)}
            />
            <Select
              label="Intent"
              value={filters.intent}
              options={intents}
              onChange={(v) => set('intent', v)}
            />
            {topics.length > 0 && (
              <Select
                label="Topic"
                value={filters.topic}
                options={topics.map((t) => ({ value: t.id, label: t.name }))}
                onChange={(v) => set('topic', v)}
              />
            )}
            <Select
              label="Urgency"
              value={filters.minUrgency}
              options={urgencies}
              onChange={(v) => set('minUrgency', v)}
            />
            {classOptions.length > 0 && (
              <Select
                label="Classifier label"
                value={filters.class}
                options={classOptions}
                onChange={(v) => set('class', v)}
              />
            )}
          </form>
          {canDecide && picked.size > 0 && (
            <TriageBar
              ids={[...picked]}
              onClear={() => setPicked(new Set())}
              onDecided={(decided, message) => {
                const byId = new Map(decided.map((d) => [d.mentionId, d]));
                setMentions((prev) =>
                  prev.map((m) => ({ ...m, disposition: byId.get(m.id) ?? m.disposition })),
                );
                setPicked(new Set());
                setTriaged(message);
              }}
            />
          )}
          <p className="inbox-message" role="status">
            {triaged}
          </p>
          <p className="stream-export">
            {canDecide && undecided.length > 0 && (
              <>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setTriaged('');
                    setPicked(new Set(undecided.slice(0, 200).map((m) => m.id)));
                  }}
                >
                  Select the {Math.min(undecided.length, 200)} undecided shown
                </button>{' '}
                ·{' '}
              </>
            )}
            <a className="button-link secondary" href={listeningApi.exportUrl(filters)} download>
              Export CSV
            </a>{' '}
            <span className="muted">every stored mention these filters select, newest first</span>
          </p>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {mentions.length === 0 && !error && (
            <p className="notice">No mentions match yet. New ones appear here as they arrive.</p>
          )}
          {waiting.length > 0 && (
            <button
              type="button"
              className="new-mentions"
              onClick={() => {
                const shown = new Set(mentions.map((m) => m.id));
                const add = waiting.filter((m) => !shown.has(m.id) && !m.deleted);
                setFresh(new Set(add.map((m) => m.id)));
                setMentions((prev) => [...add, ...prev].slice(0, 500));
                setWaiting([]);
              }}
            >
              Show {waiting.length} new {waiting.length === 1 ? 'mention' : 'mentions'}
            </button>
          )}
          <div
            className="mention-list"
            role="feed"
            aria-label="Matched mentions"
            aria-live="polite"
            onPointerEnter={() => {
              reading.current.pointer = true;
            }}
            onPointerLeave={() => {
              reading.current.pointer = false;
            }}
            onFocus={() => {
              reading.current.focus = true;
            }}
            onBlur={(e) => {
              if (!e.currentTarget.contains(e.relatedTarget as Node | null)) reading.current.focus = false;
            }}
          >
            {mentions.map((m) => (
              <MentionCard
                key={m.id}
                mention={m}
                queries={queryMap}
                topics={topicMap}
                onOpen={setOpen}
                fresh={fresh.has(m.id)}
                onDecided={(d) => {
                  // Decided on its own: no longer undecided, so out of the triage selection.
                  setMentions((prev) =>
                    prev.map((x) => (x.id === d.mentionId ? { ...x, disposition: d } : x)),
                  );
                  setPicked((prev) => {
                    if (!prev.has(d.mentionId)) return prev;
                    const next = new Set(prev);
                    next.delete(d.mentionId);
                    return next;
                  });
                }}
                selection={
                  canDecide && !m.deleted && !m.disposition
                    ? {
                        checked: picked.has(m.id),
                        onToggle: () => {
                          setTriaged('');
                          setPicked((prev) => {
                            const next = new Set(prev);
                            if (next.has(m.id)) next.delete(m.id);
                            else if (next.size < 200) next.add(m.id);
                            return next;
                          });
                        },
                      }
                    : undefined
                }
              />
            ))}
          </div>
          {cursor && (
            <button type="button" className="secondary" onClick={() => void load(filters, cursor)}>
              Load older
            </button>
          )}
        </div>
      </div>
      {open && <ThreadDrawer mention={open} queries={queryMap} topics={topicMap} onClose={closeThread} />}
    </section>
  );
}

type Option = { value: string; label: string };

function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string | undefined;
  options: (string | Option)[];
  onChange(value: string): void;
}) {
  return (
    <label>
      <span className="visually-hidden">{label}</span>
      <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">{`Any ${label.toLowerCase()}`}</option>
        {options.map((o) => {
          const { value: v, label: text } =
            typeof o === 'string' ? { value: o, label: o.replaceAll('_', ' ') } : o;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

function ThreadDrawer({
  mention,
  queries,
  topics,
  onClose,
}: {
  mention: Mention;
  queries: Map<string, ListeningQuery>;
  topics: Map<string, Topic>;
  onClose(): void;
}) {
  const [thread, setThread] = useState<Mention[] | null>(null);
  const dialog = useModalDialog();
  const closeButton = useRef<HTMLButtonElement>(null);
  // Only when another mention is opened: focus Close and load its thread (not on live updates).
  useEffect(() => {
    let current = true;
    closeButton.current?.focus();
    setThread(null);
    listeningApi
      .thread(mention.id)
      .then((r) => {
        if (current) setThread(r.thread);
      })
      .catch(() => {
        if (current) setThread([]);
      });
    return () => {
      current = false;
    };
  }, [mention.id]);
  const a = mention.author;
  return (
    <dialog
      ref={dialog}
      className="drawer"
      aria-label="Thread"
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop (outside the drawer's box) closes it.
        const box = dialog.current?.getBoundingClientRect();
        if (e.target === dialog.current && box && e.clientX < box.left) onClose();
      }}
      onKeyDown={(e) => {
        // Escape closes the dialog (its `close` event); the page's own keys must not see it.
        if (e.key === 'Escape') e.stopPropagation();
      }}
    >
      <div className="drawer-head">
        <h2>Thread</h2>
        <button ref={closeButton} type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {a && (
        <section className="card author-card" aria-label="Author">
          <strong>{a.displayName ?? a.handle}</strong> <span className="muted">@{a.handle}</span>
          <div className="muted">
            {a.channel} · {a.followers ?? '?'} followers
            {a.profileUrl && (
              <>
                {' · '}
                <a href={a.profileUrl} rel="noopener noreferrer nofollow" target="_blank">
                  profile
                </a>
              </>
            )}
          </div>
        </section>
      )}
      {thread === null ? (
        <p className="loading">Loading…</p>
      ) : (
        thread.map((m) => (
          <div key={m.id} className={m.id === mention.id ? 'thread-item current' : 'thread-item'}>
            <MentionCard mention={m} queries={queries} topics={topics} />
          </div>
        ))
      )}
    </dialog>
  );
}
