import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import {
  type Case,
  type CaseCard as CaseCardData,
  type CaseChange,
  type CaseDetail,
  type CaseFilters,
  type CasePatch,
  type CaseSort,
  type CaseStatus,
  casePriorities,
  caseSorts,
  caseTypes,
  type DispositionStats,
  type InboxView,
  inboxApi,
  inboxConfigurers,
  inboxWorkers,
  type Presence,
} from '../../api/inbox.ts';
import { surveysApi } from '../../api/surveys.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useChannels } from '../../components/use-channels.ts';
import { useSession } from '../../session.tsx';
import { CaseCard } from './case-card.tsx';
import { CaseDetailPane } from './case-detail.tsx';
import { appendPage, placeCard, sortOf } from './case-order.ts';
import {
  breachingSoon,
  type Directory,
  slaState,
  statusLabels,
  useDirectory,
  useNow,
} from './inbox-bits.tsx';
import { BulkBar, HeardFigure, ShortcutHelp, ViewGroup } from './inbox-panels.tsx';
import { NewCaseForm } from './new-case-form.tsx';
import { RefineInput } from './refine-input.tsx';
import { SavedViews, savedViewKey } from './saved-views.tsx';
import { type SolveUndo, SolveUndoToast, solveUndoOf } from './solve-undo.tsx';
import { batchUndoReport, type SolvedCase } from './undo-window.ts';
import { useInboxLive } from './use-inbox-live.ts';

/** Filters the address may add to a view (`?priority=high`), or lift from it (`?priority=any`). */
const refinements = ['priority', 'type', 'tag', 'search'] as const;
type Refinement = (typeof refinements)[number];
const ANY = 'any';

/** `soon`: the active cases whose running SLA clock is due within the hour (or overdue), most urgent first. */
export type View = { key: string; label: string; filters: CaseFilters; soon?: boolean; named?: boolean };

const baseViews: View[] = [
  { key: 'mine', label: 'Mine', filters: { view: 'mine', status: 'active', snoozed: 'false' } },
  {
    key: 'unassigned',
    label: 'Unassigned',
    filters: { view: 'unassigned', status: 'active', snoozed: 'false' },
  },
  { key: 'active', label: 'All active', filters: { status: 'active', snoozed: 'false' } },
  {
    key: 'needs-reply',
    label: 'Needs reply',
    filters: { status: 'active', needsReply: 'true', snoozed: 'false', sort: 'waiting' },
  },
  { key: 'soon', label: 'Breaching soon', filters: { status: 'active', dueWithinMinutes: 60 }, soon: true },
  { key: 'snoozed', label: 'Snoozed', filters: { status: 'active', snoozed: 'true' } },
  { key: 'solved', label: 'Solved', filters: { status: 'solved,closed' } },
];

/** The saved views: the fixed ones, one per team, one per channel. */
function allViews(dir: Directory, channels: readonly string[]): View[] {
  return [
    ...baseViews,
    ...dir.teams.map((t) => ({
      key: `team:${t.id}`,
      label: t.name,
      filters: { teamId: t.id, status: 'active' },
      named: true,
    })),
    ...channels.map((c) => ({ key: `channel:${c}`, label: c, filters: { channel: c, status: 'active' } })),
  ];
}

/**
 * Does a case (fetched after a live change) belong in the list as filtered now? A search for
 * words is checked by the server (it matches customers and posts too), not here.
 */
function passes(c: Case, f: CaseFilters, me: string | undefined): boolean {
  if (c.mergedInto) return false;
  if (f.status === 'active' && (c.status === 'solved' || c.status === 'closed')) return false;
  if (f.status && f.status !== 'active' && !f.status.split(',').includes(c.status)) return false;
  if (f.view === 'mine' && c.assigneeUserId !== me) return false;
  if (f.view === 'unassigned' && c.assigneeUserId !== null) return false;
  if (f.priority && c.priority !== f.priority) return false;
  if (f.type && c.type !== f.type) return false;
  if (f.teamId && c.teamId !== f.teamId) return false;
  if (f.channel && c.channel !== f.channel) return false;
  if (f.snoozed === 'true' && !c.snoozedUntil) return false;
  if (f.snoozed === 'false' && c.snoozedUntil) return false;
  if (f.needsReply === 'true' && !c.waitingSince) return false;
  if (f.needsReply === 'false' && c.waitingSince) return false;
  if (f.tag && !c.tags.includes(f.tag.toLowerCase())) return false;
  const byNumber = /^#(\d+)$/.exec(f.search?.trim() ?? '');
  if (byNumber) return c.number === Number(byNumber[1]);
  return true;
}

/** A list card made from a case's detail (for a case that newly enters the list). */
function cardOf(d: CaseDetail): CaseCardData {
  const { conversations, following: _f, replies: _r, notes: _n, ...rest } = d;
  const first = conversations
    .flatMap((c) => c.messages)
    .filter((m) => !m.deleted)
    .sort((a, b) => a.id - b.id)[0];
  return {
    ...rest,
    firstMessage: first
      ? {
          mentionId: first.id,
          channel: first.channel,
          text: first.text.slice(0, 280),
          authorHandle: first.author?.handle ?? null,
          sentiment: first.sentiment,
          intents: first.intents,
          urgency: first.urgency,
          createdAt: first.createdAt,
        }
      : null,
  };
}

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  (t.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) ||
    !!t.closest('dialog, [role="dialog"]'));

export function InboxPage() {
  usePageTitle('Inbox');
  const { session } = useSession();
  if (session && !inboxWorkers.includes(session.user.role)) {
    return (
      <section className="page">
        <h1>Inbox</h1>
        <p className="notice">
          Your role ({session.user.role}) does not include the inbox. Ask an owner or admin.
        </p>
      </section>
    );
  }
  return <Inbox />;
}

function Inbox() {
  const { id: openId } = useParams();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const { session } = useSession();
  const me = session?.user.id;
  const canWork = !!session && inboxWorkers.includes(session.user.role);
  const dir = useDirectory();
  const canShare = !!session && inboxConfigurers.includes(session.user.role);
  /** The saved views (shared, then one's own) with their counts; null until loaded. */
  const [saved, setSaved] = useState<InboxView[] | null>(null);
  const loadSaved = useCallback(async () => {
    try {
      setSaved((await inboxApi.views()).items);
    } catch {
      setSaved((prev) => prev ?? []);
    }
  }, []);
  useEffect(() => {
    void loadSaved();
  }, [loadSaved]);
  // Counts follow the cases: read again shortly after live changes settle.
  const savedTimer = useRef<number | undefined>(undefined);
  const refreshSavedSoon = useCallback(() => {
    window.clearTimeout(savedTimer.current);
    savedTimer.current = window.setTimeout(() => void loadSaved(), 1500);
  }, [loadSaved]);
  useEffect(() => () => window.clearTimeout(savedTimer.current), []);
  const channels = useChannels();
  const views = useMemo<View[]>(
    () => [
      ...allViews(dir, channels),
      ...(saved ?? []).map((v) => ({ key: savedViewKey(v.id), label: v.name, filters: v.filters })),
    ],
    [dir, saved, channels],
  );
  const viewKey = params.get('view') ?? 'active';
  // A saved view named in the URL waits for the saved views rather than showing another list first.
  const pendingSaved = viewKey.startsWith('saved:') && saved === null;
  const view = views.find((v) => v.key === viewKey) ?? (baseViews[2] as View);
  const soon = !!view.soon;
  // The address refines the view: a filter it names replaces the view's own (`any` lifts it), and
  // one it does not name keeps what the view (a saved one included) says.
  const filters = useMemo<CaseFilters>(() => {
    const next: CaseFilters = { ...view.filters };
    for (const key of refinements) {
      const value = params.get(key);
      if (value === null) continue;
      if (value === '' || value === ANY) delete next[key];
      else Object.assign(next, { [key]: value });
    }
    // The order too: the address's replaces the view's ("Breaching soon" keeps its own); the
    // due order only where the filters pick cases due soon.
    const sort = params.get('sort');
    if (
      !view.soon &&
      sort &&
      (Object.hasOwn(caseSorts, sort) || (sort === 'due' && next.dueWithinMinutes !== undefined))
    ) {
      next.sort = sort as CaseSort;
      if (sortOf({ ...next, sort: undefined }) === sort) delete next.sort;
    }
    return next;
  }, [view, params]);
  /** Sets a refinement; clearing one the view itself sets says `any`, so the view's value is lifted. */
  const refine = (key: Refinement, value: string) =>
    setParam(key, value === '' && view.filters[key] !== undefined ? ANY : value);
  const filtersKey = JSON.stringify({ filters, soon, pendingSaved });
  const formId = useId();
  const now = useNow();

  const [loaded, setLoaded] = useState<CaseCardData[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [undo, setUndo] = useState<SolveUndo | null>(null);
  const [undoing, setUndoing] = useState(false);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(openId ?? null);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [help, setHelp] = useState(false);
  const [creating, setCreating] = useState(false);
  const [versions, setVersions] = useState<Record<string, number>>({});
  const [stats, setStats] = useState<DispositionStats | null>(null);
  /**
   * `r` asks the open case to focus its composer, `s` to open its snooze menu; `n` makes each
   * press a new request.
   */
  const [ask, setAsk] = useState<{ caseId: string; what: 'reply' | 'snooze'; n: number } | null>(null);
  const asked = (what: 'reply' | 'snooze') => (ask && ask.caseId === openId && ask.what === what ? ask.n : 0);
  // The "Breaching soon" view shows the active cases whose running clock is due within the hour, most urgent first.
  const cases = useMemo(() => {
    if (!loaded || !soon) return loaded;
    const due = (c: CaseCardData) => {
      const s = slaState(c, now);
      return s && s.kind !== 'paused' ? s.ms : Number.POSITIVE_INFINITY;
    };
    return loaded.filter((c) => breachingSoon(c, now)).sort((a, b) => due(a) - due(b));
  }, [loaded, soon, now]);
  const cards = useRef(new Map<string, HTMLAnchorElement>());
  const freshTimer = useRef<number | undefined>(undefined);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  // For live changes: while a next page remains, a card that sorts past the loaded ones waits for it.
  const cursorRef = useRef(cursor);
  cursorRef.current = cursor;
  const casesRef = useRef(cases);
  casesRef.current = cases;

  /**
   * Counts fresh loads, so the answer for a view left meanwhile does not replace the one now shown,
   * and an older page asked for the view before does not join the new one.
   */
  const loads = useRef(0);
  const load = useCallback(async (f: CaseFilters, after?: string, soonView = false) => {
    const ticket = after ? loads.current : ++loads.current;
    if (!after) setCursor(null);
    try {
      setError('');
      // The server picks the cases due soon; larger pages, since the view sorts them by due time.
      const page = await inboxApi.cases(f, after, soonView ? 200 : undefined);
      if (ticket !== loads.current) return;
      setLoaded((prev) => (after && prev ? appendPage(prev, page.items) : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      if (ticket !== loads.current) return;
      setError(err instanceof ApiError ? err.message : 'Could not load cases.');
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: filtersKey stands for filters and soon
  useEffect(() => {
    setLoaded(null);
    setChecked(new Set());
    if (!pendingSaved) void load(filters, undefined, soon);
  }, [filtersKey, load]);

  useEffect(() => {
    inboxApi
      .dispositionStats(7)
      .then(setStats)
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    if (openId) setSelected(openId);
    // A composer or snooze request is for the case it was made on.
    setAsk((prev) => (prev && prev.caseId !== openId ? null : prev));
  }, [openId]);

  // A listed case that a change takes out of the view (assigned from Unassigned, solved from an
  // active view) leaves the list; the search is the server's to judge, so it is not checked again.
  const stillListed = useCallback(
    (c: Case) => passes(c, { ...filtersRef.current, search: undefined }, me),
    [me],
  );
  const replace = useCallback(
    (c: Case) => {
      setLoaded((prev) => {
        const listed = prev?.find((x) => x.id === c.id);
        if (!prev || !listed) return prev;
        if (!stillListed(c)) return prev.filter((x) => x.id !== c.id);
        return placeCard(prev, { ...listed, ...c }, sortOf(filtersRef.current), cursorRef.current !== null);
      });
    },
    [stillListed],
  );
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;

  const onChanges = useCallback(
    async (changes: CaseChange[]) => {
      const ids = [...new Set(changes.map((c) => c.caseId))];
      // Highlight what others changed; one's own changes are already on screen.
      const byOthers = new Set(changes.filter((c) => c.actorUserId !== me).map((c) => c.caseId));
      const changed: string[] = [];
      const drop = (id: string) => setLoaded((prev) => prev?.filter((c) => c.id !== id) ?? prev);
      for (const id of ids) {
        try {
          // A listed case is read again as a card (by its number); a new one from its detail.
          const known = loadedRef.current?.find((c) => c.id === id);
          let card: CaseCardData | null;
          if (known) {
            const page = await inboxApi.cases({ number: known.number }, undefined, 1);
            card = page.items.find((c) => c.id === id) ?? null;
          } else {
            const d = await inboxApi.get(id);
            card = d.mergedInto ? null : cardOf(d);
            // A search also matches the customer and the posts: whether a new case does is the
            // server's to judge, asked for this case alone.
            const search = filtersRef.current.search?.trim();
            if (card && search && !/^#\d+$/.test(search)) {
              const page = await inboxApi.cases({ search, number: card.number }, undefined, 1);
              if (!page.items.some((x) => x.id === id)) card = null;
            }
          }
          if (!card || (known && !stillListed(card))) drop(id);
          else if (known || passes(card, filtersRef.current, me)) {
            // In the place the list's order gives it: a new case at the top of newest first, a case
            // answered out of the waiting ones, one whose priority changed among its peers.
            const c = card;
            setLoaded((prev) =>
              prev ? placeCard(prev, c, sortOf(filtersRef.current), cursorRef.current !== null) : prev,
            );
          }
          if (byOthers.has(id)) changed.push(id);
        } catch {
          // gone or not visible: leave the list as it is
        }
      }
      setVersions((prev) => {
        const next = { ...prev };
        for (const id of ids) next[id] = (next[id] ?? 0) + 1;
        return next;
      });
      if (changed.length) {
        setFresh(new Set(changed));
        window.clearTimeout(freshTimer.current);
        freshTimer.current = window.setTimeout(() => setFresh(new Set()), 4000);
      }
      refreshSavedSoon();
    },
    [me, refreshSavedSoon, stillListed],
  );
  const { live, presence } = useInboxLive((c) => void onChanges(c));
  const presenceBy = useMemo(() => {
    const m = new Map<string, Presence[]>();
    for (const p of presence) m.set(p.caseId, [...(m.get(p.caseId) ?? []), p]);
    return m;
  }, [presence]);

  const setParam = (key: string, value: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  // On a phone the views fold under one button, so the cases come first.
  const [viewsOpen, setViewsOpen] = useState(false);
  /** Shows another view in its own order: an order picked for the view before is dropped. */
  const pickView = (key: string) => {
    setViewsOpen(false);
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.set('view', key);
        next.delete('sort');
        return next;
      },
      { replace: true },
    );
  };

  const search = params.toString() ? `?${params.toString()}` : '';
  // The search box and filters narrow the view from the address; an empty list then is theirs.
  const refined = refinements.some((k) => params.get(k));
  const clearRefinements = () =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        for (const k of refinements) next.delete(k);
        return next;
      },
      { replace: true },
    );
  const open = useCallback(
    (id: string | null) => navigate(id ? `/inbox/${id}${search}` : `/inbox${search}`),
    [navigate, search],
  );

  const patch = useCallback(
    async (ids: string[], p: CasePatch, done: string): Promise<Case[]> => {
      setError('');
      setMessage('');
      let ok = 0;
      const failed: string[] = [];
      const changed: Case[] = [];
      for (const id of ids) {
        try {
          const c = await inboxApi.update(id, p);
          replace(c);
          changed.push(c);
          setVersions((prev) => ({ ...prev, [id]: (prev[id] ?? 0) + 1 }));
          ok++;
        } catch (err) {
          const n = casesRef.current?.find((c) => c.id === id)?.number;
          failed.push(`#${n ?? '?'}: ${err instanceof ApiError ? err.message : 'failed'}`);
        }
      }
      if (ok) setMessage(ok === 1 && ids.length === 1 ? done : `${done} (${ok} cases)`);
      if (failed.length) setError(`Not changed: ${failed.join('; ')}`);
      return changed;
    },
    [replace],
  );

  /**
   * After cases were solved (one, or a batch from the bulk bar), each from another status: "Case #n
   * solved. Undo" or "5 cases solved. Undo", for as long as their surveys are held.
   */
  const offerUndo = useCallback(async (solved: { c: Case; from: CaseStatus | undefined }[]) => {
    const undoable = solved.filter(
      (s): s is { c: Case; from: CaseStatus } => !!s.from && s.from !== 'solved' && s.from !== 'closed',
    );
    if (undoable.length === 0) return;
    const offer = await solveUndoOf(undoable);
    setMessage('');
    setUndo(offer);
  }, []);
  const expireUndo = useCallback((u: SolveUndo) => setUndo((prev) => (prev === u ? null : prev)), []);
  /** Whether the newest survey of a case is withdrawn (after its solve was undone). */
  const surveyWithdrawn = useCallback(
    (caseId: string) =>
      surveysApi
        .forCase(caseId)
        .then(({ items }) => items[0]?.status === 'withdrawn')
        .catch(() => false),
    [],
  );
  const undoOne = useCallback(
    async (u: SolveUndo, one: SolvedCase) => {
      try {
        const c = await inboxApi.update(one.caseId, { status: one.from, ifStatus: 'solved' });
        replace(c);
        setUndo(null);
        // Read back as the live stream would: a case the solve took out of the view comes back.
        await onChanges([
          { eventId: 0, caseId: one.caseId, kind: 'status_changed', actorUserId: me ?? null },
        ]);
        const withdrawn = u.heldCaseIds.includes(one.caseId) && (await surveyWithdrawn(one.caseId));
        setMessage(
          `Case #${one.number} is ${statusLabels[one.from]} again${withdrawn ? '; its survey was withdrawn' : ''}.`,
        );
      } catch (err) {
        setError(`Not undone: #${one.number}: ${err instanceof ApiError ? err.message : 'failed'}`);
      }
    },
    [replace, onChanges, me, surveyWithdrawn],
  );
  /**
   * Undoes a bulk solve: puts back each case still solved to its own status (the server checks it
   * on the row it changes); one someone or something moved since is left as it is and named.
   */
  const undoBatch = useCallback(
    async (u: SolveUndo) => {
      const restored: SolvedCase[] = [];
      const changed: SolvedCase[] = [];
      const failed: SolvedCase[] = [];
      for (const one of u.cases) {
        try {
          replace(await inboxApi.update(one.caseId, { status: one.from, ifStatus: 'solved' }));
          restored.push(one);
        } catch (err) {
          (err instanceof ApiError && err.status === 409 ? changed : failed).push(one);
        }
      }
      setUndo(null);
      await onChanges(
        restored.map((one) => ({
          eventId: 0,
          caseId: one.caseId,
          kind: 'status_changed',
          actorUserId: me ?? null,
        })),
      );
      const withdrawn = await Promise.all(
        restored
          .filter((one) => u.heldCaseIds.includes(one.caseId))
          .map((one) => surveyWithdrawn(one.caseId)),
      );
      setMessage(batchUndoReport(restored, changed, failed, withdrawn.filter((w) => w).length));
    },
    [replace, onChanges, me, surveyWithdrawn],
  );
  const undoSolve = useCallback(
    async (u: SolveUndo) => {
      setUndoing(true);
      setError('');
      try {
        const [one] = u.cases;
        if (u.cases.length === 1 && one) await undoOne(u, one);
        else await undoBatch(u);
      } finally {
        setUndoing(false);
      }
    },
    [undoOne, undoBatch],
  );
  /**
   * The bulk bar's change; a bulk solve is offered for undo as one batch. Each case's status before
   * is the one the list shows (kept current by the live stream), which is what the agent chose from.
   */
  const applyBulk = useCallback(
    async (ids: string[], p: CasePatch, label: string) => {
      const before = new Map(loadedRef.current?.map((c) => [c.id, c.status]) ?? []);
      const changed = await patch(ids, p, label);
      if (p.status === 'solved') await offerUndo(changed.map((c) => ({ c, from: before.get(c.id) })));
    },
    [patch, offerUndo],
  );

  // Keyboard shortcuts, inactive while typing in a field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && help) {
        setHelp(false);
        return;
      }
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e.target)) return;
      const list = casesRef.current ?? [];
      const at = list.findIndex((c) => c.id === selected);
      const target = selected ?? openId ?? null;
      const move = (delta: number) => {
        const next = list[Math.min(list.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
        if (!next) return;
        e.preventDefault();
        setSelected(next.id);
        const el = cards.current.get(next.id);
        el?.focus();
        el?.scrollIntoView({ block: 'nearest' });
      };
      if (e.key === 'j') move(1);
      else if (e.key === 'k') move(-1);
      else if (
        e.key === 'Enter' &&
        target &&
        target !== openId &&
        !(e.target instanceof HTMLAnchorElement || e.target instanceof HTMLButtonElement)
      ) {
        e.preventDefault();
        open(target);
      } else if (e.key === '?') {
        e.preventDefault();
        setHelp(true);
      } else if (e.key === '/') {
        e.preventDefault();
        const search = document.getElementById(`${formId}-search`);
        if (search instanceof HTMLInputElement) {
          search.focus();
          search.select();
        }
      } else if (e.key === 'Escape' && openId) {
        open(null);
      } else if (e.key === 'x' && target) {
        setChecked((prev) => {
          const next = new Set(prev);
          if (next.has(target)) next.delete(target);
          else next.add(target);
          return next;
        });
      } else if (e.key === 'a' && target && me && canWork) {
        e.preventDefault();
        void patch([target], { assigneeUserId: me }, 'Assigned to you');
      } else if (e.key === 'e' && target && canWork) {
        e.preventDefault();
        const from = casesRef.current?.find((c) => c.id === target)?.status;
        void patch([target], { status: 'solved' }, 'Solved').then(([c]) => {
          if (c) void offerUndo([{ c, from }]);
        });
      } else if (e.key === 'z' && undo && !undoing && canWork) {
        e.preventDefault();
        void undoSolve(undo);
      } else if ((e.key === 'r' || e.key === 's') && target && canWork) {
        e.preventDefault();
        if (target !== openId) open(target);
        const what = e.key === 'r' ? 'reply' : 'snooze';
        setAsk((prev) => ({ caseId: target, what, n: (prev?.n ?? 0) + 1 }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [help, selected, openId, open, me, canWork, patch, offerUndo, undo, undoing, undoSolve, formId]);

  /** The built-in views whose keys start with `prefix`, under a title. */
  const viewSection = (title: string, prefix: string) => (
    <div className="view-section">
      <h2 className="views-title">{title}</h2>
      <ViewGroup views={views.filter((v) => v.key.startsWith(prefix))} current={view.key} onPick={pickView} />
    </div>
  );
  const tickAll = cases !== null && cases.length > 0 && cases.every((c) => checked.has(c.id));

  return (
    <section className={openId ? 'page inbox-page has-open' : 'page inbox-page'}>
      <div className="page-head inbox-head">
        <h1>Inbox</h1>
        <span className={live ? 'live on' : 'live'} role="status">
          {live ? 'Live' : 'Connecting…'}
        </span>
        {stats && <HeardFigure stats={stats} />}
        {canWork && !creating && (
          <button type="button" className="secondary compact" onClick={() => setCreating(true)}>
            New case…
          </button>
        )}
        {canShare && (
          <a
            className="button-link secondary compact"
            href={inboxApi.exportUrl(filters)}
            title="Every case this view and its filters select, as a spreadsheet"
            download
          >
            Export CSV
          </a>
        )}
        <button type="button" className="secondary compact shortcut-hint" onClick={() => setHelp(true)}>
          Keyboard shortcuts <kbd>?</kbd>
        </button>
      </div>
      {creating && <NewCaseForm onCancel={() => setCreating(false)} onOpened={() => setCreating(false)} />}
      <div className={openId ? 'inbox reading' : 'inbox'}>
        <button
          type="button"
          className="secondary views-toggle"
          aria-expanded={viewsOpen}
          aria-controls={`${formId}-views`}
          onClick={() => setViewsOpen((o) => !o)}
        >
          Views: {view.label} <span aria-hidden="true">{viewsOpen ? '▴' : '▾'}</span>
        </button>
        <nav
          id={`${formId}-views`}
          className={viewsOpen ? 'inbox-views open' : 'inbox-views'}
          aria-label="Views"
        >
          <ViewGroup views={views.filter((v) => !v.key.includes(':'))} current={view.key} onPick={pickView} />
          <SavedViews
            views={saved}
            current={view.key}
            filters={filters}
            canShare={canShare}
            onPick={pickView}
            onChanged={({ select, removed }) => {
              // The view just saved is listed at once, so the list does not fall back to another
              // view until the saved views are read again.
              if (select)
                setSaved((prev) => (prev ? [...prev.filter((v) => v.id !== select.id), select] : prev));
              void loadSaved();
              if (select)
                // The saved view holds the filters now: the URL names the view alone.
                setParams(
                  (p) => {
                    const next = new URLSearchParams(p);
                    for (const k of refinements) next.delete(k);
                    next.delete('sort');
                    next.set('view', savedViewKey(select.id));
                    return next;
                  },
                  { replace: true },
                );
              else if (removed && view.key === savedViewKey(removed)) setParam('view', '');
            }}
          />
          {dir.teams.length > 0 && viewSection('Teams', 'team:')}
          {viewSection('Channels', 'channel:')}
        </nav>
        <div className="case-column">
          <form className="filters case-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
            <label htmlFor={`${formId}-search`}>
              <span className="visually-hidden">Search subjects, customers and posts, or a case number</span>
              <RefineInput
                id={`${formId}-search`}
                type="search"
                placeholder="Search subjects, customers, posts, or #12…"
                value={filters.search ?? ''}
                onApply={(v) => refine('search', v)}
              />
            </label>
            <label>
              <span className="visually-hidden">Priority</span>
              <select
                aria-label="Priority"
                value={filters.priority ?? ''}
                onChange={(e) => refine('priority', e.target.value)}
              >
                <option value="">Any priority</option>
                {casePriorities.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span className="visually-hidden">Type</span>
              <select
                aria-label="Type"
                value={filters.type ?? ''}
                onChange={(e) => refine('type', e.target.value)}
              >
                <option value="">Any type</option>
                {caseTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <label htmlFor={`${formId}-tag`}>
              <span className="visually-hidden">Tag</span>
              <RefineInput
                id={`${formId}-tag`}
                type="text"
                placeholder="Tag"
                aria-label="Tag"
                value={filters.tag ?? ''}
                onApply={(v) => refine('tag', v)}
              />
            </label>
            {!soon && (
              <label>
                <span className="visually-hidden">Order</span>
                <select
                  aria-label="Order"
                  value={sortOf(filters)}
                  // The view's own order needs no word in the address; another one does.
                  onChange={(e) =>
                    setParam('sort', e.target.value === sortOf(view.filters) ? '' : e.target.value)
                  }
                >
                  {Object.entries({
                    ...(filters.dueWithinMinutes !== undefined ? { due: 'Due first' } : {}),
                    ...caseSorts,
                  }).map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </form>
          {canWork && cases && cases.length > 0 && (
            <BulkBar
              count={checked.size}
              all={tickAll}
              dir={dir}
              onTickAll={(on) => setChecked(on ? new Set(cases.map((c) => c.id)) : new Set())}
              onApply={(p, label) => void applyBulk([...checked], p, label)}
            />
          )}
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <p role="status" className="inbox-message">
            {message}
          </p>
          {cases === null ? (
            <p className="loading">Loading…</p>
          ) : cases.length === 0 ? (
            soon ? (
              <p className="notice">
                No active case has an SLA clock due within the hour.{' '}
                <Link to="/settings/service-levels">Service levels</Link> set the targets.
              </p>
            ) : refined ? (
              <div className="notice">
                <p>
                  No case in {view.label} matches{' '}
                  {filters.search
                    ? `“${filters.search}”${filters.priority || filters.type || filters.tag ? ' and the filters' : ''}`
                    : 'the filters'}
                  .
                </p>
                <button type="button" className="secondary compact" onClick={clearRefinements}>
                  Clear search and filters
                </button>
              </div>
            ) : (
              <p className="notice">
                No cases in this view. Create cases from mentions in <Link to="/listening">Listening</Link>,
                or let routing rules do it.
              </p>
            )
          ) : (
            <ul className="case-list" aria-label={`${view.label} cases`}>
              {cases.map((c) => (
                <CaseCard
                  key={c.id}
                  c={c}
                  now={now}
                  dir={dir}
                  search={search}
                  presence={presenceBy.get(c.id) ?? []}
                  me={me}
                  open={c.id === openId}
                  selected={c.id === selected}
                  fresh={fresh.has(c.id)}
                  checked={checked.has(c.id)}
                  canWork={canWork}
                  cardRef={(el) => {
                    if (el) cards.current.set(c.id, el);
                    else cards.current.delete(c.id);
                  }}
                  onCheck={(on) =>
                    setChecked((prev) => {
                      const next = new Set(prev);
                      if (on) next.add(c.id);
                      else next.delete(c.id);
                      return next;
                    })
                  }
                  onFocus={() => setSelected(c.id)}
                />
              ))}
            </ul>
          )}
          {cursor && cases && (
            <button type="button" className="secondary load-more" onClick={() => void load(filters, cursor)}>
              Load more
            </button>
          )}
        </div>
        <div className="case-pane">
          {openId ? (
            <CaseDetailPane
              key={openId}
              caseId={openId}
              version={versions[openId] ?? 0}
              dir={dir}
              presence={presenceBy.get(openId) ?? []}
              canWork={canWork}
              compose={asked('reply')}
              snooze={asked('snooze')}
              onChanged={(c) => replace(c)}
              onSolved={(c, from) => void offerUndo([{ c, from }])}
              onCreated={() => void load(filtersRef.current, undefined, soon)}
              onClose={() => open(null)}
            />
          ) : (
            <div className="case-pane-empty">
              <p>Select a case to read its conversations.</p>
              <p className="hint">
                <kbd>j</kbd> and <kbd>k</kbd> move, <kbd>Enter</kbd> opens, <kbd>?</kbd> lists every shortcut.
              </p>
            </div>
          )}
        </div>
      </div>
      <SolveUndoToast undo={undo} busy={undoing} onUndo={(u) => void undoSolve(u)} onExpire={expireUndo} />
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </section>
  );
}
