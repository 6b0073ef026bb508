// Which tenant the console looks at. Platform operators pick one (or all) in the header;
// a tenant admin always sees their own tenant.
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useSession } from "../auth/session";

const STORAGE_KEY = "herald.console.tenant";

interface TenantContextValue {
  /** The tenant slug to narrow reads to, or null for every tenant (platform operators). */
  tenant: string | null;
  setTenant: (slug: string | null) => void;
}

const TenantContext = createContext<TenantContextValue | null>(null);

export function TenantProvider({ children }: { children: ReactNode }) {
  const { operator, isSys } = useSession();
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(STORAGE_KEY));
  const value = useMemo<TenantContextValue>(
    () => ({
      tenant: isSys ? chosen : (operator.tenant?.slug ?? null),
      setTenant: (slug) => {
        if (slug) localStorage.setItem(STORAGE_KEY, slug);
        else localStorage.removeItem(STORAGE_KEY);
        setChosen(slug);
      },
    }),
    [chosen, isSys, operator.tenant],
  );
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export function useTenant(): TenantContextValue {
  const value = useContext(TenantContext);
  if (!value) throw new Error("useTenant outside TenantProvider");
  return value;
}

/** Query parameters that narrow a read to the chosen tenant (platform operators only). */
export function useTenantQuery(): { tenant?: string } {
  const { tenant } = useTenant();
  const { isSys } = useSession();
  return isSys && tenant ? { tenant } : {};
}
