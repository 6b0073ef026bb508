// The segments screens' data: the field catalogue, saved segments, lists for the list picker,
// and the live count (debounced, the previous answer kept on screen while the next one loads).
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { makeCatalogue, type RuleJson } from "./model";

export type SegmentOut = components["schemas"]["SegmentOut"];
export type CountOut = components["schemas"]["CountOut"];

/** How long the builder waits after the last edit before counting. */
export const COUNT_DEBOUNCE_MS = 400;
/** A count answering faster than this never shows a spinner (no flashing). */
export const SPINNER_DELAY_MS = 300;

export const segmentKeys = {
  all: ["segments"] as const,
  list: (tenant: string | null) => ["segments", "list", tenant] as const,
  one: (id: number) => ["segments", "one", id] as const,
  savedCount: (id: number) => ["segments", "count", id] as const,
  liveCount: (tenant: string | null, rules: string) => ["segment-count", tenant, rules] as const,
  fields: ["segment-fields"] as const,
  lists: (tenant: string | null) => ["segment-lists", tenant] as const,
};

export function useCatalogue() {
  const query = useQuery({
    queryKey: segmentKeys.fields,
    queryFn: () => unwrap(api.GET("/sys/newsletter/segments/fields")),
    staleTime: Infinity,
  });
  const catalogue = useMemo(() => (query.data ? makeCatalogue(query.data.items) : null), [query.data]);
  return { ...query, catalogue };
}

export interface ListOption {
  value: string;
  label: string;
}

/** Lists a membership condition can name (slugs), in the segment's tenant. */
export function useListOptions(tenant: string | null, enabled: boolean) {
  return useQuery({
    queryKey: segmentKeys.lists(tenant),
    enabled,
    queryFn: async (): Promise<ListOption[]> => {
      const page = await unwrap(
        api.GET("/sys/newsletter/lists", { params: { query: { ...(tenant ? { tenant } : {}), limit: 200 } } }),
      );
      // Every tenant's lists when none is picked: one option per slug (rules name lists by slug).
      const bySlug = new Map<string, ListOption>();
      for (const l of page.items) if (!bySlug.has(l.slug)) bySlug.set(l.slug, { value: l.slug, label: `${l.name} (${l.slug})` });
      return [...bySlug.values()];
    },
    staleTime: 60_000,
  });
}

export function countRules(rules: RuleJson, tenant: string | null): Promise<CountOut> {
  return unwrap(api.POST("/sys/newsletter/segments/count", { body: { rules, ...(tenant ? { tenant } : {}) } }));
}

/** True once `busy` has lasted `delay` ms; false as soon as it stops. */
export function useDelayedFlag(busy: boolean, delay = SPINNER_DELAY_MS): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!busy) {
      setShown(false);
      return;
    }
    const timer = window.setTimeout(() => setShown(true), delay);
    return () => window.clearTimeout(timer);
  }, [busy, delay]);
  return busy && shown;
}

/** The live count of `rules` (null: don't count), POSTed COUNT_DEBOUNCE_MS after the last change. */
export function useLiveCount(rules: RuleJson | null, tenant: string | null) {
  const json = rules ? JSON.stringify(rules) : "";
  const [debounced] = useDebouncedValue(json, COUNT_DEBOUNCE_MS);
  const settled = debounced === json;
  const query = useQuery({
    queryKey: segmentKeys.liveCount(tenant, debounced),
    queryFn: () => countRules(JSON.parse(debounced) as RuleJson, tenant),
    enabled: debounced !== "",
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 10_000,
  });
  const pending = !settled || query.isFetching;
  const spinner = useDelayedFlag(pending && json !== "");
  return { ...query, pending, spinner };
}
