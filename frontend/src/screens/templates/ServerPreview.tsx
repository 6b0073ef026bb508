// "Preview with a subscriber": Herald renders the saved template with the merge tags filled in,
// for a subscriber found by address (or its sample subscriber), and answers subject, HTML,
// plain text and the links it will track.
import { Alert, Button, Code, Group, Modal, Stack, Tabs, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, unwrap } from "../../api/client";
import { errorText } from "../../components/states";
import { useTenantQuery } from "../../tenant/TenantContext";

export function ServerPreview({ templateId, dirty, onClose }: { templateId: number; dirty: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const tenant = useTenantQuery();
  const [email, setEmail] = useState("");
  const run = useMutation({
    mutationFn: async () => {
      let subscriberId: number | null = null;
      const address = email.trim();
      if (address) {
        const found = await unwrap(api.GET("/sys/newsletter/subscribers", { params: { query: { ...tenant, email: address, limit: 1 } } }));
        if (found.items.length === 0) throw new ApiError(404, "no_subscriber", t("console.templates.no_subscriber", { email: address }));
        subscriberId = found.items[0]!.id;
      }
      return unwrap(
        api.POST("/sys/newsletter/templates/{template_id}/preview", {
          params: { path: { template_id: templateId } },
          body: subscriberId === null ? {} : { subscriber_id: subscriberId },
        }),
      );
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  const failure =
    run.error instanceof ApiError && run.error.code === "no_subscriber" ? run.error.message : run.error ? errorText(t, run.error) : null;

  return (
    <Modal opened onClose={onClose} size="xl" title={t("console.templates.server_preview")}>
      <Stack>
        <Text size="sm" c="dimmed">
          {t("console.templates.server_preview_body")}
        </Text>
        {dirty && (
          <Alert color="yellow" variant="light" p="xs">
            {t("console.templates.server_preview_unsaved")}
          </Alert>
        )}
        <form onSubmit={submit}>
          <Group align="flex-end">
            <TextInput
              label={t("console.templates.subscriber_email")}
              description={t("console.templates.subscriber_email_hint")}
              type="email"
              placeholder="name@example.com"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              style={{ flex: 1, minWidth: 220 }}
              data-autofocus
            />
            <Button type="submit" loading={run.isPending}>
              {t("console.templates.render")}
            </Button>
          </Group>
        </form>
        {failure && (
          <Text role="alert" c="red.8" size="sm" data-testid="server-preview-error">
            {failure}
          </Text>
        )}
        {run.data && (
          <Stack gap="xs" data-testid="server-preview">
            <Text size="sm">
              <strong>{t("console.templates.subject")}:</strong> {run.data.subject}
            </Text>
            <Tabs defaultValue="html">
              <Tabs.List>
                <Tabs.Tab value="html">{t("console.templates.html")}</Tabs.Tab>
                <Tabs.Tab value="text">{t("console.templates.text")}</Tabs.Tab>
                <Tabs.Tab value="links">{t("console.templates.links", { count: run.data.links.length })}</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="html" pt="xs">
                <iframe className="mail-frame" title={t("console.templates.server_preview")} sandbox="" srcDoc={run.data.html} />
              </Tabs.Panel>
              <Tabs.Panel value="text" pt="xs">
                <Code block>{run.data.text}</Code>
              </Tabs.Panel>
              <Tabs.Panel value="links" pt="xs">
                <Stack gap={2}>
                  {run.data.links.map((l) => (
                    <Text key={l} size="sm" style={{ wordBreak: "break-all" }}>
                      {l}
                    </Text>
                  ))}
                </Stack>
              </Tabs.Panel>
            </Tabs>
          </Stack>
        )}
      </Stack>
    </Modal>
  );
}
