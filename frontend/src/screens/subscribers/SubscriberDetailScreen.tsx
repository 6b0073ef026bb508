// One subscriber: profile, subscriptions, the history of consent and state changes, and (for
// platform operators) editing and GDPR erasure.
import { Anchor, Breadcrumbs, Button, Card, Code, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPencil, IconTrash } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { StatusBadge } from "../../components/StatusBadge";
import { ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { EditSubscriberModal } from "./EditSubscriberModal";
import { EraseModal } from "./EraseModal";
import { SubscriberTimeline } from "./SubscriberTimeline";

export default function SubscriberDetailScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const id = Number(useParams().subscriberId);
  const [editing, edit] = useDisclosure(false);
  const [erasing, erase] = useDisclosure(false);
  const person = useQuery({
    queryKey: ["subscriber", id],
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/subscribers/{subscriber_id}", { params: { path: { subscriber_id: id } } })),
  });
  if (person.isPending) return <Loading />;
  if (person.isError) return <ErrorState error={person.error} onRetry={() => void person.refetch()} />;
  const s = person.data;
  const facts: [string, string][] = [
    [t("console.field.name"), s.name ?? "—"],
    [t("console.field.language"), s.language],
    [t("console.subscribers.timezone"), s.timezone ?? "—"],
    [t("console.subscribers.country"), s.country ?? "—"],
    [t("console.subscribers.source"), s.source ?? "—"],
    [t("console.field.tenant"), s.tenant ?? t("console.tenant.platform")],
    [t("console.field.created"), f.dateTime(s.created_at)],
  ];
  const attributes = Object.entries(s.attributes ?? {});

  return (
    <>
      <PageHeader
        before={
          <Breadcrumbs>
            <Anchor component={Link} to="/subscribers" size="sm">
              {t("console.subscribers.title")}
            </Anchor>
            <Text size="sm">{s.email}</Text>
          </Breadcrumbs>
        }
        title={s.email}
        actions={
          !readOnly && (
            <>
              <Button variant="default" leftSection={<IconPencil size={16} aria-hidden />} onClick={edit.open}>
                {t("console.action.edit")}
              </Button>
              <Button color="red" variant="light" leftSection={<IconTrash size={16} aria-hidden />} onClick={erase.open}>
                {t("console.erase.button")}
              </Button>
            </>
          )
        }
      />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack>
          <Card withBorder padding="lg">
            <Title order={2} fz="lg" mb="sm">
              {t("console.subscribers.profile")}
            </Title>
            <Table variant="vertical" layout="fixed">
              <Table.Tbody>
                {facts.map(([label, value]) => (
                  <Table.Tr key={label}>
                    <Table.Th w={180}>{label}</Table.Th>
                    <Table.Td>{value}</Table.Td>
                  </Table.Tr>
                ))}
                {attributes.map(([key, value]) => (
                  <Table.Tr key={`a:${key}`}>
                    <Table.Th>
                      <Code>{key}</Code>
                    </Table.Th>
                    <Table.Td>{typeof value === "string" ? value : JSON.stringify(value)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
          <Card withBorder padding="lg">
            <Title order={2} fz="lg" mb="sm">
              {t("console.subscribers.subscriptions")}
            </Title>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.nav.lists")}</Table.Th>
                  <Table.Th>{t("console.field.status")}</Table.Th>
                  <Table.Th>{t("console.subscribers.since")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {s.subscriptions.map((sub) => (
                  <Table.Tr key={sub.list_id}>
                    <Table.Td>
                      <Link className="row-link" to={`/lists/${sub.list_id}`}>
                        {sub.list}
                      </Link>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={sub.status} />
                    </Table.Td>
                    <Table.Td>{f.dateTime(sub.status_changed_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        </Stack>
        <Card withBorder padding="lg">
          <Title order={2} fz="lg" mb="sm">
            {t("console.subscribers.timeline")}
          </Title>
          <SubscriberTimeline subscriberId={id} />
        </Card>
      </SimpleGrid>
      {editing && <EditSubscriberModal subscriber={s} onClose={edit.close} />}
      {erasing && <EraseModal subscriber={s} onClose={erase.close} />}
    </>
  );
}
