// Unsaved changes: closing or reloading the tab asks the browser's own question; following a
// link inside the console asks first in a dialog ("Leave without saving?").
import { Button, Group, Modal, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";

const BASE = "/console";

export function useUnsavedGuard(dirty: boolean) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [pending, setPending] = useState<string | null>(null);

  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    // Capture phase on the document runs before React's own listener on the app's root, so
    // a router link never sees the click.
    const click = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const anchor = (e.target as Element | null)?.closest?.("a[href]");
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target === "_blank" || anchor.hasAttribute("download")) return;
      const url = new URL(anchor.href, window.location.href);
      if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE)) return;
      if (url.pathname + url.search === window.location.pathname + window.location.search) return;
      e.preventDefault();
      e.stopPropagation();
      setPending(url.pathname.slice(BASE.length) + url.search || "/");
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, [dirty]);

  const dialog = (
    <Modal opened={pending !== null} onClose={() => setPending(null)} title={t("console.segments.leave_title")}>
      <Text size="sm" mb="md">
        {t("console.segments.leave_body")}
      </Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={() => setPending(null)} data-autofocus>
          {t("console.segments.stay")}
        </Button>
        <Button
          color="red.8"
          onClick={() => {
            const to = pending;
            setPending(null);
            if (to) navigate(to);
          }}
        >
          {t("console.segments.leave")}
        </Button>
      </Group>
    </Modal>
  );
  return { dialog };
}
