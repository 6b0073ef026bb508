// Keep unsaved work: the browser asks before closing or reloading the tab, and a click on a
// console link while the editor has changes asks first (the console uses a plain BrowserRouter,
// which has no navigation blocker).
import { useEffect } from "react";

export function useUnsavedGuard(dirty: boolean, ask: (href: string) => void): void {
  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    const click = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.("a[href]");
      if (!(a instanceof HTMLAnchorElement) || a.target === "_blank" || a.origin !== window.location.origin) return;
      if (a.href === window.location.href) return;
      e.preventDefault();
      e.stopPropagation();
      ask(a.pathname + a.search + a.hash);
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, [dirty, ask]);
}
