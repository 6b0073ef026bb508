// Consent attestation: every import records who vouches for the consent of the people in the
// file, when, how it was collected and where. Herald refuses an import without it.
import { Alert, Button, Checkbox, Group, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { IconShieldCheck } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { errorText } from "../../components/states";

export interface Attestation {
  attested_by: string;
  attested_at: string;
  consent_method: string;
  consent_source: string;
}

const METHODS = ["web_form", "event", "checkout", "paper", "other"] as const;

function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function AttestationStep({
  listId,
  file,
  onBack,
  onStarted,
}: {
  listId: number;
  file: File;
  onBack: () => void;
  onStarted: (jobId: number) => void;
}) {
  const { t } = useTranslation();
  const { operator } = useSession();
  const client = useQueryClient();
  const [by, setBy] = useState(operator.name ?? operator.email);
  const [at, setAt] = useState(localNow());
  const [method, setMethod] = useState<string>("web_form");
  const [otherMethod, setOtherMethod] = useState("");
  const [source, setSource] = useState("");
  const [confirmed, setConfirmed] = useState(false);

  const upload = useMutation({
    mutationFn: () => {
      const fields: Attestation = {
        attested_by: by.trim(),
        attested_at: new Date(at).toISOString(),
        consent_method: method === "other" ? otherMethod.trim() : t(`console.imports.method_${method}`),
        consent_source: source.trim(),
      };
      return unwrap(
        api.POST("/sys/newsletter/lists/{list_id}/imports", {
          params: { path: { list_id: listId } },
          body: { ...fields, file: file as unknown as string },
          bodySerializer: (body) => {
            const form = new FormData();
            for (const [key, value] of Object.entries(body as Record<string, string | Blob>)) {
              if (value instanceof Blob) form.append(key, value, file.name);
              else form.append(key, value);
            }
            return form;
          },
        }),
      );
    },
    onSuccess: (job) => {
      void client.invalidateQueries({ queryKey: ["imports", listId] });
      onStarted(job.id);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    upload.mutate();
  };

  return (
    <form onSubmit={submit}>
      <Stack mt="lg" maw={720}>
        <Text size="sm">{t("console.imports.consent_intro", { file: file.name })}</Text>
        <TextInput label={t("console.imports.attested_by")} required minLength={2} value={by} onChange={(e) => setBy(e.currentTarget.value)} />
        <TextInput
          label={t("console.imports.attested_at")}
          type="datetime-local"
          required
          max={localNow()}
          value={at}
          onChange={(e) => setAt(e.currentTarget.value)}
        />
        <Select
          label={t("console.imports.method")}
          data={METHODS.map((m) => ({ value: m, label: t(`console.imports.method_${m}`) }))}
          value={method}
          onChange={(v) => setMethod(v ?? "web_form")}
          allowDeselect={false}
        />
        {method === "other" && (
          <TextInput
            label={t("console.imports.method_other_label")}
            required
            minLength={3}
            value={otherMethod}
            onChange={(e) => setOtherMethod(e.currentTarget.value)}
          />
        )}
        <Textarea
          label={t("console.imports.source")}
          description={t("console.imports.source_help")}
          required
          minLength={3}
          autosize
          minRows={2}
          value={source}
          onChange={(e) => setSource(e.currentTarget.value)}
        />
        <Checkbox
          label={t("console.imports.confirm")}
          checked={confirmed}
          onChange={(e) => setConfirmed(e.currentTarget.checked)}
          required
        />
        {upload.isError && (
          <Alert color="red" role="alert">
            {errorText(t, upload.error)}
          </Alert>
        )}
        <Group>
          <Button variant="default" onClick={onBack}>
            {t("console.action.back")}
          </Button>
          <Button type="submit" disabled={!confirmed} loading={upload.isPending} leftSection={<IconShieldCheck size={16} aria-hidden />}>
            {t("console.imports.start")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
