import { useInfiniteQuery, type QueryKey } from "@tanstack/react-query";

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** A Herald collection read page by page (keyset cursors), with every loaded row in `rows`. */
export function usePaged<T>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  options: { refetchInterval?: number } = {},
) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam ?? undefined),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    ...options,
  });
  const rows: T[] = query.data?.pages.flatMap((p) => p.items) ?? [];
  return { ...query, rows };
}
