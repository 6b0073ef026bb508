// Every screen is a module under screens/; this table is the only place that knows them all.
// A new screen (templates, segments, campaigns…) adds its routes and, if it has one, its
// navigation entry here.
import {
  IconAddressBook,
  IconBan,
  IconGauge,
  IconHistory,
  IconList,
  IconMailbox,
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
  { path: "/templates", Component: lazy(() => import("./templates/TemplatesScreen")) },
  { path: "/templates/:templateId", Component: lazy(() => import("./templates/TemplateEditorScreen")) },
  { path: "/audit", Component: lazy(() => import("./audit/AuditScreen")) },
  { path: "/outbox", Component: lazy(() => import("./outbox/OutboxScreen")) },
  { path: "/account", Component: lazy(() => import("./account/AccountScreen")) },
];

const NAV: NavItem[] = [
  { path: "/", label: "console.nav.overview", icon: IconGauge },
  { path: "/lists", label: "console.nav.lists", icon: IconList },
  { path: "/subscribers", label: "console.nav.subscribers", icon: IconAddressBook },
  { path: "/suppressions", label: "console.nav.suppressions", icon: IconBan },
  { path: "/templates", label: "console.nav.templates", icon: IconTemplate },
  { path: "/audit", label: "console.nav.audit", icon: IconHistory },
  { path: "/outbox", label: "console.nav.outbox", icon: IconMailbox },
];

export function navigation(_isSys: boolean): NavItem[] {
  return NAV;
}
