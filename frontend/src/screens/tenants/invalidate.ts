// After an organisation is created or changed: the list (also the header's tenant switcher,
// which shares the ["tenants"] key), that organisation, and every campaign's validation (the
// wizard's review reports a missing postal address: ["campaign", id, "validate"]).
import type { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";

export function invalidateTenants(client: QueryClient, slug: string): void {
  void client.invalidateQueries({ queryKey: ["tenants"] });
  void client.invalidateQueries({ queryKey: ["tenant", slug] });
  void client.invalidateQueries({ predicate: (q) => q.queryKey[0] === "campaign" && q.queryKey[2] === "validate" });
}

/** An error for the bottom of a form: the ones not shown under a field. */
export function formLevelError(error: unknown, fields: readonly string[]): unknown {
  return error instanceof ApiError && error.field && fields.includes(error.field) ? null : error;
}

export const FORM_FIELDS = ["name", "slug", "postal_address", "timezone", "default_language"] as const;
