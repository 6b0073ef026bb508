// Fresh authentication: sensitive actions (GDPR erasure, two-step changes, quiet-hours
// override) need the password re-entered within five minutes. `ensureFresh()` resolves at once
// while the last one is recent, otherwise asks for the password in a dialog.
import { Modal, PasswordInput, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError, unwrap } from "../api/client";
import { FormActions } from "../components/FormActions";
import { useSession } from "./session";

type Ensure = (force?: boolean) => Promise<void>;
const FreshAuthContext = createContext<Ensure | null>(null);
const MARGIN_MS = 15_000;

export class Cancelled extends Error {}

export function FreshAuthProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session, update } = useSession();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const waiting = useRef<{ resolve: () => void; reject: (e: Error) => void } | null>(null);

  const confirm = useMutation({
    mutationFn: () => unwrap(api.POST("/console/api/session/fresh", { body: { password } })),
    onSuccess: (next) => {
      update(next);
      setOpen(false);
      setPassword("");
      waiting.current?.resolve();
      waiting.current = null;
    },
  });

  const ensure = useCallback<Ensure>((force = false) => {
    const until = session.fresh_until ? Date.parse(session.fresh_until) : 0;
    if (!force && until - Date.now() > MARGIN_MS) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      waiting.current = { resolve, reject };
      confirm.reset();
      setOpen(true);
    });
  }, [session.fresh_until, confirm]);

  const cancel = () => {
    setOpen(false);
    setPassword("");
    waiting.current?.reject(new Cancelled("cancelled"));
    waiting.current = null;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    confirm.mutate();
  };

  return (
    <FreshAuthContext.Provider value={ensure}>
      {children}
      <Modal opened={open} onClose={cancel} title={t("console.fresh.title")} centered>
        <form onSubmit={submit}>
          <Stack>
            <Text size="sm">{t("console.fresh.body")}</Text>
            <PasswordInput
              label={t("console.signin.password")}
              autoComplete="current-password"
              data-autofocus
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={confirm.isError ? t("console.fresh.wrong") : undefined}
            />
            <FormActions onCancel={cancel} loading={confirm.isPending} submitLabel={t("console.fresh.confirm")} />
          </Stack>
        </form>
      </Modal>
    </FreshAuthContext.Provider>
  );
}

/** Run a sensitive call: ask for the password first unless it was given in the last few
 * minutes, and once more if Herald still answers `fresh_auth_required` (a skewed clock). */
export function useFreshAuth(): <T>(call: () => Promise<T>) => Promise<T> {
  const ensure = useContext(FreshAuthContext);
  if (!ensure) throw new Error("useFreshAuth outside FreshAuthProvider");
  return useCallback(
    async <T,>(call: () => Promise<T>): Promise<T> => {
      await ensure();
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof ApiError && e.code === "fresh_auth_required")) throw e;
        await ensure(true);
        return call();
      }
    },
    [ensure],
  );
}
