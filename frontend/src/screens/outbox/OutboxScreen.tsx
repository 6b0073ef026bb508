// The capture outbox: mail the `null` distributor kept instead of delivering (development,
// demos, tests). Messages open in a sandboxed frame: no scripts, no remote content.
import { Badge, Button, Code, Drawer, ScrollArea, Stack, Table, Tabs, Text } from "@mantine/core";
import { IconMailbox } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { OutboxOut } from "../../api/types";
import { EmailSearch } from "../../components/EmailSearch";
import { LoadMore } from "../../components/LoadMore";
import { usePaged } from "../../components/usePaged";
import { ScrollTable } from "../../components/ScrollTable";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { useTenantQuery } from "../../tenant/TenantContext";

function Message({ message }: { message: OutboxOut }) {
  const { t } = useTranslation();
  return (
    <Tabs defaultValue={message.html_body ? "html" : "text"}>
      <Tabs.List>
        {message.html_body && <Tabs.Tab value="html">{t("console.outbox.html")}</Tabs.Tab>}
        <Tabs.Tab value="text">{t("console.outbox.text")}</Tabs.Tab>
        <Tabs.Tab value="headers">{t("console.outbox.headers")}</Tabs.Tab>
      </Tabs.List>
      {message.html_body && (
        <Tabs.Panel value="html" pt="sm">
          <iframe className="mail-frame" title={message.subject} sandbox="" srcDoc={message.html_body} />
        </Tabs.Panel>
      )}
      <Tabs.Panel value="text" pt="sm">
        <Code block>{message.text_body ?? ""}</Code>
      </Tabs.Panel>
      <Tabs.Panel value="headers" pt="sm">
        <Table fz="xs" layout="fixed">
          <Table.Tbody>
            {Object.entries(message.headers).map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Th w={200}>{k}</Table.Th>
                <Table.Td style={{ wordBreak: "break-all" }}>{v}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Tabs.Panel>
    </Tabs>
  );
}

export default function OutboxScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const tenant = useTenantQuery();
  const [recipient, setRecipient] = useState<string | null>(null);
  const [open, setOpen] = useState<OutboxOut | null>(null);
  const mail = usePaged(["outbox", tenant, recipient], (cursor) =>
    unwrap(
        api.GET("/sys/newsletter/outbox", {
          params: { query: { ...tenant, ...(recipient ? { recipient } : {}), limit: 50, cursor: cursor } },
        }),
      ), { refetchInterval: 5000 },
  );
  const rows = mail.rows;

  return (
    <>
      <PageHeader title={t("console.outbox.title")} description={t("console.outbox.description")} />
      <EmailSearch label={t("console.outbox.recipient")} value={recipient} onSearch={setRecipient} />
      {mail.isPending && <Loading />}
      {mail.isError && <ErrorState error={mail.error} onRetry={() => void mail.refetch()} />}
      {mail.data && rows.length === 0 && (
        <Empty icon={<IconMailbox aria-hidden />} title={t("console.outbox.empty")} body={t("console.outbox.empty_body")} />
      )}
      {rows.length > 0 && (
        <ScrollTable minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t("console.outbox.subject")}</Table.Th>
                <Table.Th>{t("console.outbox.to")}</Table.Th>
                <Table.Th>{t("console.outbox.category")}</Table.Th>
                <Table.Th>{t("console.outbox.captured")}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((m) => (
                <Table.Tr key={m.id}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" px={0} onClick={() => setOpen(m)}>
                      {m.subject || t("console.outbox.no_subject")}
                    </Button>
                  </Table.Td>
                  <Table.Td>{m.recipient}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={m.category === "marketing" ? "blue" : "gray"} radius="sm">
                      {t(`console.outbox.category_${m.category}`, { defaultValue: m.category })}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{f.dateTime(m.captured_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollTable>
      )}
      <LoadMore query={mail} />
      <Drawer opened={open !== null} onClose={() => setOpen(null)} position="right" size="xl" title={open?.subject}>
        {open && (
          <ScrollArea>
            <Stack gap="xs" mb="md">
              <Text size="sm">
                <strong>{t("console.outbox.from")}:</strong> {open.sender}
              </Text>
              <Text size="sm">
                <strong>{t("console.outbox.to")}:</strong> {open.recipient}
              </Text>
              <Text size="sm">
                <strong>{t("console.outbox.captured")}:</strong> {f.dateTime(open.captured_at)}
              </Text>
            </Stack>
            <Message message={open} />
          </ScrollArea>
        )}
      </Drawer>
    </>
  );
}
