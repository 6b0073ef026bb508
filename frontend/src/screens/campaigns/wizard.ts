// The campaign wizard's pure logic: its steps, what each needs before moving on, where a
// problem Herald reports belongs, and the send time in the operator's time zone.
import type { components } from "../../api/schema";

type S = components["schemas"];
export type Campaign = S["CampaignOut"];
export type Problem = S["ProblemOut"];

export const STEPS = ["audience", "content", "settings", "review", "test", "schedule"] as const;
export type Step = (typeof STEPS)[number];

export function stepOf(value: string | null | undefined): Step {
  return STEPS.includes(value as Step) ? (value as Step) : "audience";
}

/** What the wizard edits (the campaign's editable fields, as the form holds them). */
export interface Draft {
  name: string;
  lists: string[];
  segment_id: number | null;
  template_id: number | null;
  subject: string;
  preheader: string;
  from_email: string;
  from_name: string;
  reply_to: string;
  throttle_per_hour: number | string;
  send_mode: "now" | "later";
  /** `YYYY-MM-DDTHH:mm` as a datetime-local input holds it, in the operator's time zone. */
  send_at_local: string;
}

export const MAX_THROTTLE = 10_000_000;
export const DEFAULT_THROTTLE = 5000;

export function emptyDraft(): Draft {
  return {
    name: "",
    lists: [],
    segment_id: null,
    template_id: null,
    subject: "",
    preheader: "",
    from_email: "",
    from_name: "",
    reply_to: "",
    throttle_per_hour: DEFAULT_THROTTLE,
    send_mode: "now",
    send_at_local: "",
  };
}

/** A field's problem: a message key under console.campaigns.check.* (with its values). */
export interface FieldError {
  key: string;
  values?: Record<string, string | number>;
}
export type StepErrors = Partial<Record<keyof Draft, FieldError>>;

export const hasLineBreak = (value: string) => /[\r\n]/.test(value);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What keeps a step from being complete, field by field (empty when it is complete). */
export function stepErrors(step: Step, d: Draft, now: Date = new Date()): StepErrors {
  const e: StepErrors = {};
  if (step === "audience") {
    if (!d.name.trim()) e.name = { key: "name_required" };
    else if (hasLineBreak(d.name)) e.name = { key: "line_break" };
    if (d.lists.length === 0 && d.segment_id == null) e.lists = { key: "audience_required" };
  } else if (step === "content") {
    if (d.template_id == null) e.template_id = { key: "template_required" };
    if (!d.subject.trim()) e.subject = { key: "subject_required" };
    else if (hasLineBreak(d.subject)) e.subject = { key: "line_break" };
    if (hasLineBreak(d.preheader)) e.preheader = { key: "line_break" };
    if (hasLineBreak(d.from_name)) e.from_name = { key: "line_break" };
    if (!EMAIL.test(d.from_email.trim())) e.from_email = { key: "email_invalid" };
    if (d.reply_to.trim() && !EMAIL.test(d.reply_to.trim())) e.reply_to = { key: "email_invalid" };
  } else if (step === "settings") {
    const n = Number(d.throttle_per_hour);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THROTTLE)
      e.throttle_per_hour = { key: "throttle_range", values: { max: MAX_THROTTLE } };
    if (d.send_mode === "later") {
      const at = localToDate(d.send_at_local);
      if (!at) e.send_at_local = { key: "send_at_required" };
      else if (at.getTime() <= now.getTime()) e.send_at_local = { key: "send_at_past" };
    }
  }
  return e;
}

export function stepComplete(step: Step, d: Draft, now?: Date): boolean {
  return Object.keys(stepErrors(step, d, now)).length === 0;
}

/** Where each field Herald names in a problem is edited. */
const FIELD_STEP: Record<string, Step> = {
  name: "audience",
  lists: "audience",
  segment_id: "audience",
  template_id: "content",
  subject: "content",
  preheader: "content",
  from_email: "content",
  from_name: "content",
  reply_to: "content",
  throttle_per_hour: "settings",
  send_at: "settings",
};

/** The step a problem belongs to; problems no step can fix (the postal address is the
 * organisation's) stay on the review. */
export function problemStep(p: Problem): Step {
  return (p.field && FIELD_STEP[p.field]) || "review";
}

export function problemsByStep(problems: Problem[]): Partial<Record<Step, Problem[]>> {
  const out: Partial<Record<Step, Problem[]>> = {};
  for (const p of problems) (out[problemStep(p)] ??= []).push(p);
  return out;
}

/** Problems keyed by the field they name (the first one per field). */
export function problemsByField(problems: Problem[]): Record<string, Problem> {
  const out: Record<string, Problem> = {};
  for (const p of problems) if (p.field && !(p.field in out)) out[p.field] = p;
  return out;
}

/** `YYYY-MM-DDTHH:mm` in the browser's time zone → a Date (null when not a valid time). */
export function localToDate(local: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0] = m.slice(1).map(Number);
  const date = new Date(y, mo - 1, d, h, mi);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date;
}

/** The schedule request's `send_at`: an ISO instant with its offset (UTC), or undefined to
 * send now. */
export function sendAtIso(d: Draft): string | undefined {
  if (d.send_mode !== "later") return undefined;
  return localToDate(d.send_at_local)?.toISOString();
}

/** An instant → the datetime-local value showing it in the browser's time zone. */
export function dateToLocal(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}`;
}

/** The form's values from a stored campaign (list ids become slugs through `slugOf`). */
export function draftFrom(c: Campaign, slugOf: (listId: number) => string | undefined): Draft {
  const later = c.send_at != null && Date.parse(c.send_at) > Date.now();
  return {
    name: c.name,
    lists: c.lists.map(slugOf).filter((s): s is string => !!s),
    segment_id: c.segment_id ?? null,
    template_id: c.template_id,
    subject: c.subject,
    preheader: c.preheader ?? "",
    from_email: c.from_email,
    from_name: c.from_name ?? "",
    reply_to: c.reply_to ?? "",
    throttle_per_hour: c.throttle_per_hour,
    send_mode: later ? "later" : "now",
    send_at_local: later && c.send_at ? dateToLocal(new Date(c.send_at)) : "",
  };
}

/** The PATCH body for the fields a step edits. */
export function patchFor(step: Step, d: Draft): Record<string, unknown> {
  if (step === "audience") return { name: d.name.trim(), lists: d.lists, segment_id: d.segment_id };
  if (step === "content")
    return {
      template_id: d.template_id,
      subject: d.subject,
      preheader: d.preheader.trim() || null,
      from_email: d.from_email.trim(),
      from_name: d.from_name.trim() || null,
      reply_to: d.reply_to.trim() || null,
    };
  if (step === "settings") return { throttle_per_hour: Number(d.throttle_per_hour) };
  return {};
}

/** Sent, failed and skipped out of all recipients (0–100), and messages per hour since start. */
export function progress(stats: Record<string, number>, startedAt: string | null | undefined, now = Date.now()) {
  const recipients = stats.recipients ?? 0;
  const done = (stats.sent ?? 0) + (stats.failed ?? 0) + (stats.skipped ?? 0);
  const percent = recipients > 0 ? Math.min(100, Math.round((done / recipients) * 1000) / 10) : 0;
  const hours = startedAt ? (now - Date.parse(startedAt)) / 3_600_000 : 0;
  const perHour = hours > 1 / 360 ? Math.round((stats.sent ?? 0) / hours) : null;
  return { recipients, done, percent, perHour };
}

/** A rate for the report (0 when there is nothing to divide by). */
export const rate = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
