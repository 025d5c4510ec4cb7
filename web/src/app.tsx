import { type ComponentType, lazy, type ReactNode, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Shell } from './components/shell.tsx';
import { AnalyticsPage, NotFoundPage } from './features/modules.tsx';
import { ChangePasswordPage } from './routes/change-password.tsx';
import { LoginPage } from './routes/login.tsx';
import { SessionProvider, useSession } from './session.tsx';

const reloadedKey = 'rapport:reloaded-for-chunk';

/**
 * A page whose code loads on the first visit to it. A chunk that is gone (the server was upgraded
 * while this tab was open, and the new build names its chunks differently) reloads the app once,
 * which fetches the new build; a second failure is shown as an error.
 */
function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() =>
    load().then(
      (m) => {
        sessionStorage.removeItem(reloadedKey);
        return { default: m[name] };
      },
      (err: unknown) => {
        if (sessionStorage.getItem(reloadedKey)) throw err;
        sessionStorage.setItem(reloadedKey, '1');
        window.location.reload();
        return new Promise<never>(() => undefined);
      },
    ),
  );
}

const CommunityChallengesPage = lazyPage(
  () => import('./features/communities/challenges-page.tsx'),
  'CommunityChallengesPage',
);
const CommunityIdeasPage = lazyPage(
  () => import('./features/communities/ideas-page.tsx'),
  'CommunityIdeasPage',
);
const CommunityListsPage = lazyPage(
  () => import('./features/communities/lists-page.tsx'),
  'CommunityListsPage',
);
const CommunityMembersPage = lazyPage(
  () => import('./features/communities/members-page.tsx'),
  'CommunityMembersPage',
);
const CommunityModerationPage = lazyPage(
  () => import('./features/communities/moderation-page.tsx'),
  'CommunityModerationPage',
);
const CommunityNewslettersPage = lazyPage(
  () => import('./features/communities/newsletters-page.tsx'),
  'CommunityNewslettersPage',
);
const CommunityQuestionsPage = lazyPage(
  () => import('./features/communities/questions-page.tsx'),
  'CommunityQuestionsPage',
);
const CommunitySettingsPage = lazyPage(
  () => import('./features/communities/settings-page.tsx'),
  'CommunitySettingsPage',
);
const CommunitiesPage = lazyPage(() => import('./features/communities/spaces-page.tsx'), 'CommunitiesPage');
const CustomerProfilePage = lazyPage(
  () => import('./features/customers/customer-profile-page.tsx'),
  'CustomerProfilePage',
);
const CustomersPage = lazyPage(() => import('./features/customers/customers-page.tsx'), 'CustomersPage');
const InfluencersPage = lazyPage(() => import('./features/customers/customers-page.tsx'), 'InfluencersPage');
const SuggestionsPage = lazyPage(() => import('./features/customers/customers-page.tsx'), 'SuggestionsPage');
const SegmentBuilderPage = lazyPage(
  () => import('./features/customers/segment-builder.tsx'),
  'SegmentBuilderPage',
);
const SegmentsPage = lazyPage(() => import('./features/customers/segments-page.tsx'), 'SegmentsPage');
const InboxPage = lazyPage(() => import('./features/inbox/inbox-page.tsx'), 'InboxPage');
const AnalysisPage = lazyPage(() => import('./features/listening/analysis-page.tsx'), 'AnalysisPage');
const ConnectorsPage = lazyPage(() => import('./features/listening/connectors-page.tsx'), 'ConnectorsPage');
const ListeningPage = lazyPage(() => import('./features/listening/listening-page.tsx'), 'ListeningPage');
const QuarantinePage = lazyPage(() => import('./features/listening/quarantine-page.tsx'), 'QuarantinePage');
const QueriesPage = lazyPage(() => import('./features/listening/queries-page.tsx'), 'QueriesPage');
const LeadPage = lazyPage(() => import('./features/sales/lead-page.tsx'), 'LeadPage');
const OpportunitiesPage = lazyPage(
  () => import('./features/sales/opportunities-page.tsx'),
  'OpportunitiesPage',
);
const SalesPage = lazyPage(() => import('./features/sales/pipeline-page.tsx'), 'SalesPage');
const LeadScoringPage = lazyPage(() => import('./features/sales/scoring-page.tsx'), 'LeadScoringPage');
const CannedResponsesPage = lazyPage(
  () => import('./features/settings/canned-responses-page.tsx'),
  'CannedResponsesPage',
);
const CustomerAttributesPage = lazyPage(
  () => import('./features/settings/customer-attributes-page.tsx'),
  'CustomerAttributesPage',
);
const RoutingRulesPage = lazyPage(
  () => import('./features/settings/routing-rules-page.tsx'),
  'RoutingRulesPage',
);
const SettingsPage = lazyPage(() => import('./features/settings/settings-page.tsx'), 'SettingsPage');
const SlaPage = lazyPage(() => import('./features/settings/sla-page.tsx'), 'SlaPage');
const SurveysPage = lazyPage(() => import('./features/settings/surveys-page.tsx'), 'SurveysPage');
const TeamsPage = lazyPage(() => import('./features/settings/teams-page.tsx'), 'TeamsPage');
const TokensPage = lazyPage(() => import('./features/settings/tokens-page.tsx'), 'TokensPage');
const UsersPage = lazyPage(() => import('./features/settings/users-page.tsx'), 'UsersPage');
const WebhooksPage = lazyPage(() => import('./features/settings/webhooks-page.tsx'), 'WebhooksPage');

/** Signed-in pages: redirect to sign-in, or to the password change a one-time password requires. */
function RequireSession({ children }: { children: ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <p className="loading">Loading…</p>;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (session.user.passwordChangeRequired) return <ChangePasswordPage />;
  return (
    <Shell>
      <Suspense fallback={<p className="loading">Loading…</p>}>{children}</Suspense>
    </Shell>
  );
}

const pages: [string, ReactNode][] = [
  ['/inbox', <InboxPage key="inbox" />],
  ['/inbox/:id', <InboxPage key="inbox" />],
  ['/listening', <ListeningPage key="listening" />],
  ['/listening/queries', <QueriesPage key="queries" />],
  ['/listening/analysis', <AnalysisPage key="analysis" />],
  ['/listening/connectors', <ConnectorsPage key="connectors" />],
  ['/listening/quarantine', <QuarantinePage key="quarantine" />],
  ['/customers', <CustomersPage key="customers" />],
  ['/customers/suggestions', <SuggestionsPage key="suggestions" />],
  ['/customers/influencers', <InfluencersPage key="influencers" />],
  ['/customers/segments', <SegmentsPage key="segments" />],
  ['/customers/segments/new', <SegmentBuilderPage key="segment-new" />],
  ['/customers/segments/:id', <SegmentBuilderPage key="segment" />],
  ['/customers/:id', <CustomerProfilePage key="customer" />],
  ['/sales', <SalesPage key="sales" />],
  ['/sales/opportunities', <OpportunitiesPage key="opportunities" />],
  ['/sales/leads/:id', <LeadPage key="lead" />],
  ['/settings/lead-scoring', <LeadScoringPage key="lead-scoring" />],
  ['/communities', <CommunitiesPage key="communities" />],
  ['/communities/moderation', <CommunityModerationPage key="community-moderation" />],
  ['/communities/members', <CommunityMembersPage key="community-members" />],
  ['/communities/ideas', <CommunityIdeasPage key="community-ideas" />],
  ['/communities/ideas/:spaceId', <CommunityIdeasPage key="community-ideas" />],
  ['/communities/settings', <CommunitySettingsPage key="community-settings" />],
  ['/communities/questions', <CommunityQuestionsPage key="community-questions" />],
  ['/communities/questions/:spaceId', <CommunityQuestionsPage key="community-questions" />],
  ['/communities/challenges', <CommunityChallengesPage key="community-challenges" />],
  ['/communities/lists', <CommunityListsPage key="community-lists" />],
  ['/communities/newsletters', <CommunityNewslettersPage key="community-newsletters" />],
  ['/analytics', <AnalyticsPage key="analytics" />],
  ['/settings', <SettingsPage key="settings" />],
  ['/settings/users', <UsersPage key="users" />],
  ['/settings/tokens', <TokensPage key="tokens" />],
  ['/settings/customer-attributes', <CustomerAttributesPage key="customer-attributes" />],
  ['/settings/teams', <TeamsPage key="teams" />],
  ['/settings/routing-rules', <RoutingRulesPage key="routing-rules" />],
  ['/settings/service-levels', <SlaPage key="service-levels" />],
  ['/settings/canned-responses', <CannedResponsesPage key="canned-responses" />],
  ['/settings/surveys', <SurveysPage key="surveys" />],
  ['/settings/webhooks', <WebhooksPage key="webhooks" />],
];

export function App() {
  return (
    <SessionProvider>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/" element={<Navigate to="/inbox" replace />} />
          {pages.map(([path, element]) => (
            <Route key={path} path={path} element={<RequireSession>{element}</RequireSession>} />
          ))}
          <Route
            path="*"
            element={
              <RequireSession>
                <NotFoundPage />
              </RequireSession>
            }
          />
        </Routes>
      </BrowserRouter>
    </SessionProvider>
  );
}
