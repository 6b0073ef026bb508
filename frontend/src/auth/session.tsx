// The signed-in operator: one query on GET /console/api/session, shared by the whole console.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, setSessionContext, unwrap } from "../api/client";
import type { OperatorOut, SessionOut } from "../api/types";
import { isLanguage, takeChoice } from "../i18n";

export const SESSION_KEY = ["session"] as const;

async function loadSession(): Promise<SessionOut | null> {
  try {
    return await unwrap(api.GET("/console/api/session"));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

interface SessionContextValue {
  session: SessionOut;
  operator: OperatorOut;
  isSys: boolean;
  /** Tenant admins see their tenant only and change nothing. */
  readOnly: boolean;
  update: (next: SessionOut | null) => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function useSessionQuery() {
  const query = useQuery({ queryKey: SESSION_KEY, queryFn: loadSession, staleTime: 60_000 });
  const data = query.data;
  useEffect(() => {
    setSessionContext(data?.csrf_token ?? null, data?.operator?.role === "tenant_admin");
  }, [data]);
  return query;
}

export function useUpdateSession() {
  const client = useQueryClient();
  return useCallback(
    (next: SessionOut | null) => {
      setSessionContext(next?.csrf_token ?? null, next?.operator?.role === "tenant_admin");
      client.setQueryData(SESSION_KEY, next);
      if (next === null) client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_KEY[0] });
    },
    [client],
  );
}

export function SessionProvider({ session, children }: { session: SessionOut; children: ReactNode }) {
  const update = useUpdateSession();
  const { i18n } = useTranslation();
  const operator = session.operator!;
  useEffect(() => {
    // On sign-in: a language picked on the sign-in page becomes the operator's preference;
    // otherwise the operator's preference applies. Later switches save it directly.
    if (takeChoice() && isLanguage(i18n.language) && i18n.language !== operator.language) {
      void unwrap(api.PUT("/console/api/preferences", { body: { language: i18n.language } })).then(update);
    } else if (isLanguage(operator.language) && operator.language !== i18n.language) {
      void i18n.changeLanguage(operator.language);
    }
  }, [operator.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const value = useMemo(
    () => ({
      session,
      operator,
      isSys: operator.role === "sys",
      readOnly: operator.role !== "sys",
      update,
    }),
    [session, operator, update],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}
