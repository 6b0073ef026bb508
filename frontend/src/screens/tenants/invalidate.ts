// After an organisation is created or changed: the list (also the header's tenant switcher,
// which shares the ["tenants"] key), that organisation, and the session (its tenant name).
import type { QueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";

export function invalidateTenants(client: QueryClient, slug: string): void {
  void client.invalidateQueries({ queryKey: ["tenants"] });
  void client.invalidateQueries({ queryKey: ["tenant", slug] });
}

/** An error for the bottom of a form: the ones not shown under a field. */
export function formLevelError(error: unknown, fields: readonly string[]): unknown {
  return error instanceof ApiError && error.field && fields.includes(error.field) ? null : error;
}

export const FORM_FIELDS = ["name", "slug", "postal_address", "timezone", "default_language"] as const;
