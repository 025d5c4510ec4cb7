import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Shell } from './components/shell.tsx';
import { CommunityChallengesPage } from './features/communities/challenges-page.tsx';
import { CommunityIdeasPage } from './features/communities/ideas-page.tsx';
import { CommunityListsPage } from './features/communities/lists-page.tsx';
import { CommunityMembersPage } from './features/communities/members-page.tsx';
import { CommunityModerationPage } from './features/communities/moderation-page.tsx';
import { CommunityNewslettersPage } from './features/communities/newsletters-page.tsx';
import { CommunityQuestionsPage } from './features/communities/questions-page.tsx';
import { CommunitySettingsPage } from './features/communities/settings-page.tsx';
import { CommunitiesPage } from './features/communities/spaces-page.tsx';
import { CustomerProfilePage } from './features/customers/customer-profile-page.tsx';
import { CustomersPage, InfluencersPage, SuggestionsPage } from './features/customers/customers-page.tsx';
import { SegmentBuilderPage } from './features/customers/segment-builder.tsx';
import { SegmentsPage } from './features/customers/segments-page.tsx';
import { InboxPage } from './features/inbox/inbox-page.tsx';
import { AnalysisPage } from './features/listening/analysis-page.tsx';
import { ConnectorsPage } from './features/listening/connectors-page.tsx';
import { ListeningPage } from './features/listening/listening-page.tsx';
import { QuarantinePage } from './features/listening/quarantine-page.tsx';
import { QueriesPage } from './features/listening/queries-page.tsx';
import { AnalyticsPage, NotFoundPage } from './features/modules.tsx';
import { LeadPage } from './features/sales/lead-page.tsx';
import { OpportunitiesPage } from './features/sales/opportunities-page.tsx';
import { SalesPage } from './features/sales/pipeline-page.tsx';
import { LeadScoringPage } from './features/sales/scoring-page.tsx';
import { CannedResponsesPage } from './features/settings/canned-responses-page.tsx';
import { CustomerAttributesPage } from './features/settings/customer-attributes-page.tsx';
import { RoutingRulesPage } from './features/settings/routing-rules-page.tsx';
import { SettingsPage } from './features/settings/settings-page.tsx';
import { SlaPage } from './features/settings/sla-page.tsx';
import { SurveysPage } from './features/settings/surveys-page.tsx';
import { TeamsPage } from './features/settings/teams-page.tsx';
import { TokensPage } from './features/settings/tokens-page.tsx';
import { UsersPage } from './features/settings/users-page.tsx';
import { WebhooksPage } from './features/settings/webhooks-page.tsx';
import { ChangePasswordPage } from './routes/change-password.tsx';
import { LoginPage } from './routes/login.tsx';
import { SessionProvider, useSession } from './session.tsx';

/** Signed-in pages: redirect to sign-in, or to the password change a one-time password requires. */
function RequireSession({ children }: { children: ReactNode }) {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <p className="loading">Loading…</p>;
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (session.user.passwordChangeRequired) return <ChangePasswordPage />;
  return <Shell>{children}</Shell>;
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
