// The field catalogue as GET /sys/newsletter/segments/fields answers it, for unit tests.
import type { FieldSpec } from "./model";

const STRING_OPS = ["eq", "neq", "in", "nin", "regex", "exists"];
const DATE_OPS = ["gt", "gte", "lt", "lte", "before", "after", "within_last_days", "exists"];
// The catalogue as GET /sys/newsletter/segments/fields answers it.
export const FIELDS: FieldSpec[] = [
  ...["email_domain", "name", "language", "country", "timezone", "source"].map((field) => ({
    field,
    type: "string",
    ops: STRING_OPS,
    description: field,
    sys_only: false,
  })),
  { field: "created_at", type: "date", ops: DATE_OPS, description: "", sys_only: false },
  { field: "confirmed_at", type: "date", ops: DATE_OPS, description: "", sys_only: false },
  { field: "status", type: "status", ops: ["eq", "in"], description: "", sys_only: false },
  { field: "list", type: "list", ops: ["eq", "in"], description: "", sys_only: false },
  { field: "tenant", type: "tenant", ops: ["eq", "in"], description: "", sys_only: true },
  { field: "opened", type: "event", ops: ["eq"], description: "", sys_only: false },
  { field: "clicked", type: "event", ops: ["eq"], description: "", sys_only: false },
  { field: "last_open_days", type: "days", ops: ["within_last_days", "lte", "gt"], description: "", sys_only: false },
  { field: "last_click_days", type: "days", ops: ["within_last_days", "lte", "gt"], description: "", sys_only: false },
  { field: "attributes.<key>:string", type: "string", ops: STRING_OPS, description: "", sys_only: false },
  { field: "attributes.<key>:number", type: "number", ops: ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists"], description: "", sys_only: false },
  { field: "attributes.<key>:bool", type: "bool", ops: ["eq", "neq", "exists"], description: "", sys_only: false },
  { field: "attributes.<key>:date", type: "date", ops: DATE_OPS, description: "", sys_only: false },
];
