// Every screen is a module under screens/; this table is the only place that knows them all.
// A new screen (templates, segments, campaigns…) adds its routes and, if it has one, its
// navigation entry here.
import {
  IconAddressBook,
  IconBan,
  IconBuilding,
  IconFilter,
  IconGauge,
  IconHistory,
  IconList,
  IconMailbox,
  IconSend,
  IconTemplate,
  type Icon,
} from "@tabler/icons-react";
import { lazy, type ComponentType, type LazyExoticComponent } from "react";

export interface ScreenRoute {
  path: string;
  Component: LazyExoticComponent<ComponentType>;
  /** Changes data: platform operators only (tenant admins are read-only). */
  writes?: boolean;
}

export interface NavItem {
  path: string;
  label: string;
  icon: Icon;
}

export const routes: ScreenRoute[] = [
  { path: "/", Component: lazy(() => import("./overview/OverviewScreen")) },
  { path: "/lists", Component: lazy(() => import("./lists/ListsScreen")) },
  { path: "/lists/:listId", Component: lazy(() => import("./lists/ListDetailScreen")) },
  {
    path: "/lists/:listId/import",
    Component: lazy(() => import("./imports/ImportScreen")),
    writes: true,
  },
  { path: "/subscribers", Component: lazy(() => import("./subscribers/SubscribersScreen")) },
  {
    path: "/subscribers/:subscriberId",
    Component: lazy(() => import("./subscribers/SubscriberDetailScreen")),
  },
  { path: "/suppressions", Component: lazy(() => import("./suppressions/SuppressionsScreen")) },
  { path: "/segments", Component: lazy(() => import("./segments/SegmentsScreen")) },
  { path: "/segments/new", Component: lazy(() => import("./segments/SegmentEditScreen")), writes: true },
  { path: "/segments/:segmentId", Component: lazy(() => import("./segments/SegmentEditScreen")) },
  { path: "/templates", Component: lazy(() => import("./templates/TemplatesScreen")) },
  { path: "/templates/:templateId", Component: lazy(() => import("./templates/TemplateEditorScreen")) },
  { path: "/audit", Component: lazy(() => import("./audit/AuditScreen")) },
  { path: "/campaigns", Component: lazy(() => import("./campaigns/CampaignsScreen")) },
  { path: "/campaigns/new", Component: lazy(() => import("./campaigns/CampaignWizard")), writes: true },
  { path: "/campaigns/:campaignId", Component: lazy(() => import("./campaigns/CampaignScreen")) },
  { path: "/campaigns/:campaignId/edit", Component: lazy(() => import("./campaigns/CampaignWizard")), writes: true },
  { path: "/outbox", Component: lazy(() => import("./outbox/OutboxScreen")) },
  { path: "/account", Component: lazy(() => import("./account/AccountScreen")) },
  { path: "/organisations", Component: lazy(() => import("./tenants/TenantsScreen")) },
  { path: "/organisations/:slug", Component: lazy(() => import("./tenants/TenantScreen")) },
];

const NAV: NavItem[] = [
  { path: "/", label: "console.nav.overview", icon: IconGauge },
  { path: "/lists", label: "console.nav.lists", icon: IconList },
  { path: "/subscribers", label: "console.nav.subscribers", icon: IconAddressBook },
  { path: "/segments", label: "console.nav.segments", icon: IconFilter },
  { path: "/templates", label: "console.nav.templates", icon: IconTemplate },
  { path: "/campaigns", label: "console.nav.campaigns", icon: IconSend },
  { path: "/suppressions", label: "console.nav.suppressions", icon: IconBan },
  { path: "/audit", label: "console.nav.audit", icon: IconHistory },
  { path: "/organisations", label: "console.nav.tenants", icon: IconBuilding },
  { path: "/outbox", label: "console.nav.outbox", icon: IconMailbox },
];

/** The menu; the outbox only while the `null` distributor captures mail; tenant admins
 * (`readOnly`) see "Your organisation" where platform operators see every organisation. */
export function navigation(captureOutbox: boolean, readOnly = false): NavItem[] {
  return NAV.filter((item) => captureOutbox || item.path !== "/outbox").map((item) =>
    readOnly && item.path === "/organisations" ? { ...item, label: "console.tenants.own_nav" } : item,
  );
}
