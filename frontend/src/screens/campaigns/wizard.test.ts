import { describe, expect, it } from "vitest";
import {
  dateToLocal,
  emptyDraft,
  localToDate,
  patchFor,
  problemsByField,
  problemsByStep,
  problemStep,
  progress,
  sendAtIso,
  stepComplete,
  stepErrors,
  stepOf,
  type Draft,
  type Problem,
} from "./wizard";

const complete: Draft = {
  ...emptyDraft(),
  name: "Spring",
  lists: ["news"],
  template_id: 3,
  subject: "Hello {{ subscriber.first_name }}",
  from_email: "news@acme.example",
};

describe("steps", () => {
  it("falls back to the audience step for unknown names", () => {
    expect(stepOf("review")).toBe("review");
    expect(stepOf("nonsense")).toBe("audience");
    expect(stepOf(null)).toBe("audience");
  });

  it("needs a name and a list or segment for the audience", () => {
    expect(stepErrors("audience", emptyDraft())).toEqual({
      name: { key: "name_required" },
      lists: { key: "audience_required" },
    });
    expect(stepComplete("audience", { ...emptyDraft(), name: "x", segment_id: 4 })).toBe(true);
    expect(stepComplete("audience", complete)).toBe(true);
  });

  it("guards the subject and from name against line breaks and checks addresses", () => {
    expect(stepComplete("content", complete)).toBe(true);
    const bad = stepErrors("content", {
      ...complete,
      subject: "Hi\r\nBcc: x@y.z",
      from_name: "A\nB",
      from_email: "nope",
      reply_to: "also nope",
      template_id: null,
    });
    expect(bad.subject?.key).toBe("line_break");
    expect(bad.from_name?.key).toBe("line_break");
    expect(bad.from_email?.key).toBe("email_invalid");
    expect(bad.reply_to?.key).toBe("email_invalid");
    expect(bad.template_id?.key).toBe("template_required");
  });

  it("checks the throttle range and a future send time", () => {
    const now = new Date(2026, 5, 1, 12, 0);
    expect(stepErrors("settings", { ...complete, throttle_per_hour: 0 }, now).throttle_per_hour?.key).toBe(
      "throttle_range",
    );
    expect(stepComplete("settings", { ...complete, throttle_per_hour: "720" }, now)).toBe(true);
    const later = { ...complete, send_mode: "later" as const, send_at_local: "" };
    expect(stepErrors("settings", later, now).send_at_local?.key).toBe("send_at_required");
    expect(stepErrors("settings", { ...later, send_at_local: "2026-06-01T11:59" }, now).send_at_local?.key).toBe(
      "send_at_past",
    );
    expect(stepComplete("settings", { ...later, send_at_local: "2026-06-01T12:30" }, now)).toBe(true);
  });
});

describe("problems from Herald's validation", () => {
  const problems: Problem[] = [
    { code: "missing_postal_address", message: "Add the address", field: "postal_address" },
    { code: "unverified_sender_domain", message: "Domain", field: "from_email" },
    { code: "template_error", message: "Bad tag", field: "subject" },
    { code: "empty_audience", message: "Nobody", field: "lists" },
    { code: "other", message: "x", field: null },
  ];

  it("belong to the step where the field is edited, else to the review", () => {
    expect(problems.map(problemStep)).toEqual(["review", "content", "content", "audience", "review"]);
    const grouped = problemsByStep(problems);
    expect(grouped.content?.map((p) => p.code)).toEqual(["unverified_sender_domain", "template_error"]);
    expect(grouped.audience?.length).toBe(1);
    expect(grouped.settings).toBeUndefined();
  });

  it("are found by field", () => {
    const byField = problemsByField(problems);
    expect(byField.from_email?.code).toBe("unverified_sender_domain");
    expect(byField.subject?.message).toBe("Bad tag");
    expect(byField.name).toBeUndefined();
  });
});

describe("send time", () => {
  it("reads a datetime-local value in the browser's zone and sends it as an instant", () => {
    const d = localToDate("2026-12-24T09:30");
    expect(d).not.toBeNull();
    expect(d!.getHours()).toBe(9);
    expect(d!.getDate()).toBe(24);
    expect(dateToLocal(d!)).toBe("2026-12-24T09:30");
    const iso = sendAtIso({ ...complete, send_mode: "later", send_at_local: "2026-12-24T09:30" });
    expect(iso).toBe(d!.toISOString());
    expect(iso!.endsWith("Z")).toBe(true);
    expect(sendAtIso({ ...complete, send_mode: "now", send_at_local: "2026-12-24T09:30" })).toBeUndefined();
  });

  it("refuses impossible dates", () => {
    expect(localToDate("2026-02-30T10:00")).toBeNull();
    expect(localToDate("tomorrow")).toBeNull();
  });
});

describe("patches and progress", () => {
  it("sends only what a step edits, blanks as null", () => {
    expect(patchFor("audience", { ...complete, name: " Spring " })).toEqual({
      name: "Spring",
      lists: ["news"],
      segment_id: null,
    });
    expect(patchFor("content", complete)).toMatchObject({ preheader: null, from_name: null, template_id: 3 });
    expect(patchFor("settings", { ...complete, throttle_per_hour: "720" })).toEqual({ throttle_per_hour: 720 });
    expect(patchFor("review", complete)).toEqual({});
  });

  it("counts sent, failed and skipped towards the progress", () => {
    const start = Date.parse("2026-06-01T12:00:00Z");
    const p = progress({ recipients: 8, sent: 3, failed: 1, skipped: 0 }, "2026-06-01T12:00:00Z", start + 3_600_000);
    expect(p.percent).toBe(50);
    expect(p.perHour).toBe(3);
    expect(progress({ recipients: 0 }, null).percent).toBe(0);
    expect(progress({ recipients: 2, sent: 1 }, null).perHour).toBeNull();
  });
});
