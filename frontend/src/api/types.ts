// Short names for the shapes screens use, all taken from the generated OpenAPI types.
import type { components } from "./schema";

type S = components["schemas"];
export type SessionOut = S["SessionOut"];
export type OperatorOut = S["OperatorOut"];
export type ListOut = S["ListOut"];
export type SubscriberOut = S["SubscriberOut"];
export type TimelineItem = S["TimelineItem"];
export type ImportOut = S["ImportOut"];
export type ImportIssue = S["ImportIssue"];
export type AuditOut = S["AuditOut"];
export type SuppressionOut = S["SuppressionOut"];
export type OutboxOut = S["OutboxOut"];
export type CampaignOut = S["CampaignOut"];
export type OverviewOut = S["OverviewOut"];
export type TenantOut = S["TenantOut"];
