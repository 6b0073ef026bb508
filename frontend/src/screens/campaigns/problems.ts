// Herald's validation problems in the console's language (Herald's own sentence as fallback).
import type { TFunction } from "i18next";
import type { Problem } from "./wizard";

export function problemText(t: TFunction, p: Problem, fromEmail = ""): string {
  return t(`console.campaigns.problem.${p.code}`, {
    defaultValue: p.message,
    domain: fromEmail.split("@")[1] ?? "",
    detail: p.message,
  });
}
