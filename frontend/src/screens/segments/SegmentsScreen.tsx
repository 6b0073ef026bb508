// Segments: the saved segments of the tenant picked in the header, each with its recipient
// count on demand; new, edit, duplicate and delete (platform operators).
import { ActionIcon, Button, Group, Menu, Modal, Table, Text, VisuallyHidden } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCopy, IconDots, IconPencil, IconPlus, IconTrash, IconUsers } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { FormActions } from "../../components/FormActions";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { ScrollTable } from "../../components/ScrollTable";
import { Empty, ErrorState, Loading, errorText } from "../../components/states";
import { usePaged } from "../../components/usePaged";
import { useFormat } from "../../i18n/format";
import { useTenant } from "../../tenant/TenantContext";
import { segmentKeys, type SegmentOut } from "./api";

export default function SegmentsScreen() {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly, isSys } = useSession();
  const { tenant } = useTenant();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [deleting, setDeleting] = useState<SegmentOut | null>(null);
  const segments = usePaged(segmentKeys.list(isSys ? tenant : null), (cursor) =>
    unwrap(api.GET("/sys/newsletter/segments", { params: { query: { ...(isSys && tenant ? { tenant } : {}), limit: 100, cursor } } })),
  );
  const duplicate = useMutation({
    mutationFn: (s: SegmentOut) =>
      unwrap(
        api.POST("/sys/newsletter/segments", {
          body: {
            name: t("console.segments.copy_name", { name: s.name }).slice(0, 200),
            description: s.description,
            rules: s.rules,
            ...(s.tenant ? { tenant: s.tenant } : {}),
          },
        }),
      ),
    onSuccess: (row) => {
      void client.invalidateQueries({ queryKey: segmentKeys.all });
      client.setQueryData(segmentKeys.one(row.id), row);
      navigate(`/segments/${row.id}`);
    },
    onError: (error) => notifications.show({ color: "red", message: errorText(t, error) }),
  });
  const newButton = !readOnly && (
    <Button component={Link} to="/segments/new" leftSection={<IconPlus size={16} aria-hidden />}>
      {t("console.segments.new")}
    </Button>
  );

  return (
    <>
      <PageHeader title={t("console.segments.title")} description={t("console.segments.description")} actions={newButton} />
      {segments.isPending && <Loading />}
      {segments.isError && <ErrorState error={segments.error} onRetry={() => void segments.refetch()} />}
      {segments.data && segments.rows.length === 0 && (
        <Empty
          title={t("console.segments.empty")}
          body={readOnly ? t("console.segments.empty_readonly") : t("console.segments.empty_body")}
          icon={<IconUsers aria-hidden />}
          action={newButton}
        />
      )}
      {segments.rows.length > 0 && (
        <>
          <ScrollTable minWidth={720}>
            <Table highlightOnHover verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("console.field.name")}</Table.Th>
                  {isSys && !tenant && <Table.Th>{t("console.field.tenant")}</Table.Th>}
                  <Table.Th ta="right">{t("console.segments.recipients_column")}</Table.Th>
                  <Table.Th>{t("console.segments.updated")}</Table.Th>
                  {!readOnly && (
                    <Table.Th>
                      <VisuallyHidden>{t("console.field.actions")}</VisuallyHidden>
                    </Table.Th>
                  )}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {segments.rows.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      <Link className="row-link" to={`/segments/${s.id}`}>
                        {s.name}
                      </Link>
                      {s.description && (
                        <Text size="xs" c="dimmed" lineClamp={2} maw={480}>
                          {s.description}
                        </Text>
                      )}
                    </Table.Td>
                    {isSys && !tenant && <Table.Td>{s.tenant ?? t("console.segments.all_tenants")}</Table.Td>}
                    <Table.Td ta="right">
                      <SavedCount segment={s} />
                    </Table.Td>
                    <Table.Td>{f.dateTime(s.updated_at ?? s.created_at)}</Table.Td>
                    {!readOnly && (
                      <Table.Td ta="right">
                        <Menu position="bottom-end" withinPortal>
                          <Menu.Target>
                            <ActionIcon variant="subtle" color="gray" aria-label={t("console.segments.actions_for", { name: s.name })}>
                              <IconDots size={16} aria-hidden />
                            </ActionIcon>
                          </Menu.Target>
                          <Menu.Dropdown>
                            <Menu.Item component={Link} to={`/segments/${s.id}`} leftSection={<IconPencil size={14} aria-hidden />}>
                              {t("console.action.edit")}
                            </Menu.Item>
                            <Menu.Item leftSection={<IconCopy size={14} aria-hidden />} onClick={() => duplicate.mutate(s)}>
                              {t("console.segments.duplicate")}
                            </Menu.Item>
                            <Menu.Item color="red.8" leftSection={<IconTrash size={14} aria-hidden />} onClick={() => setDeleting(s)}>
                              {t("console.segments.delete")}
                            </Menu.Item>
                          </Menu.Dropdown>
                        </Menu>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollTable>
          <Group justify="center">
            <LoadMore query={segments} />
          </Group>
        </>
      )}
      {deleting && <DeleteModal segment={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}

/** The recipient count of a saved segment, counted when asked (and kept for the session). */
function SavedCount({ segment }: { segment: SegmentOut }) {
  const { t } = useTranslation();
  const f = useFormat();
  const client = useQueryClient();
  const key = segmentKeys.savedCount(segment.id);
  const cached = client.getQueryData(key) !== undefined;
  const [asked, setAsked] = useState(cached);
  const count = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/sys/newsletter/segments/{segment_id}/count", { params: { path: { segment_id: segment.id } } })),
    enabled: asked,
    retry: false,
    staleTime: 60_000,
  });
  if (!asked) {
    return (
      <Button size="compact-sm" variant="default" onClick={() => setAsked(true)} aria-label={t("console.segments.count_for", { name: segment.name })}>
        {t("console.segments.count")}
      </Button>
    );
  }
  if (count.isPending) return <Text size="sm" c="dimmed">{t("console.segments.counting")}</Text>;
  if (count.isError) {
    return (
      <Text size="sm" c="red.8" title={errorText(t, count.error)}>
        {count.error && (count.error as { code?: string }).code === "segment_timeout" ? t("console.segments.timeout_short") : t("console.segments.count_failed")}
      </Text>
    );
  }
  return <Text size="sm" fw={600}>{f.number(count.data.count)}</Text>;
}

function DeleteModal({ segment, onClose }: { segment: SegmentOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/sys/newsletter/segments/{segment_id}", { params: { path: { segment_id: segment.id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: segmentKeys.all });
      notifications.show({ color: "teal", message: t("console.segments.deleted", { name: segment.name }) });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t("console.segments.delete_title")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          remove.mutate();
        }}
      >
        <Text size="sm" mb="md">
          {t("console.segments.delete_body", { name: segment.name })}
        </Text>
        <FormActions error={remove.error} onCancel={onClose} loading={remove.isPending} submitLabel={t("console.segments.delete")} color="red.8" />
      </form>
    </Modal>
  );
}
