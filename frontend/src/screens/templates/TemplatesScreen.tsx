// Templates: the tenant's own designs and the premium gallery, each with a real render as its
// thumbnail. Platform operators start from a gallery design, duplicate, rename and delete;
// tenant admins look.
import { ActionIcon, Badge, Button, Card, Group, Menu, Modal, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { IconCopy, IconDots, IconPencil, IconPlus, IconTemplate, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { FormActions } from "../../components/FormActions";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { usePaged } from "../../components/usePaged";
import { useFormat } from "../../i18n/format";
import { useTenant, useTenantQuery } from "../../tenant/TenantContext";
import { keys, type TemplateOut } from "./data";
import { DetailsModal } from "./DetailsModal";
import { GalleryThumbnail, TemplateThumbnail } from "./Thumbnail";
import "./templates.css";

export const BLANK_MJML = `<mjml>
  <mj-body background-color="#f4f4f4">
    <mj-section background-color="#ffffff">
      <mj-column>
        <mj-text font-size="22px" font-weight="bold">Hello {{ subscriber.name or "there" }}</mj-text>
        <mj-text>Write your message here.</mj-text>
        <mj-button href="https://example.com">Read more</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;

function useCreated() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const { t } = useTranslation();
  return (row: TemplateOut) => {
    void client.invalidateQueries({ queryKey: keys.all });
    notifications.show({ color: "teal", message: t("console.templates.created", { name: row.name }) });
    navigate(`/templates/${row.id}`);
  };
}

function DeleteModal({ template, onClose }: { template: TemplateOut; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/sys/newsletter/templates/{template_id}", { params: { path: { template_id: template.id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.all });
      client.removeQueries({ queryKey: keys.one(template.id) });
      notifications.show({ color: "teal", message: t("console.templates.deleted", { name: template.name }) });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t("console.templates.delete_title")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          remove.mutate();
        }}
      >
        <Stack>
          <Text size="sm">{t("console.templates.delete_body", { name: template.name })}</Text>
          <FormActions error={remove.error} onCancel={onClose} submitLabel={t("console.templates.delete")} loading={remove.isPending} color="red" />
        </Stack>
      </form>
    </Modal>
  );
}

function TemplateCard({ template, onRename, onDelete }: { template: TemplateOut; onRename: () => void; onDelete: () => void }) {
  const { t } = useTranslation();
  const f = useFormat();
  const { readOnly } = useSession();
  const { tenant } = useTenant();
  const created = useCreated();
  const duplicate = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/sys/newsletter/templates/clone", {
          body: { template_id: template.id, name: t("console.templates.copy_name", { name: template.name }), tenant },
        }),
      ),
    onSuccess: created,
    onError: (error) => notifications.show({ color: "red", message: error.message }),
  });
  return (
    <Card withBorder padding="sm" radius="md" data-testid="template-card">
      <Card.Section>
        <TemplateThumbnail id={template.id} label={t("console.templates.thumbnail_of", { name: template.name })} />
      </Card.Section>
      <Group justify="space-between" align="flex-start" mt="sm" wrap="nowrap" gap="xs">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Text component={Link} to={`/templates/${template.id}`} fw={600} truncate="end" c="blue.8" td="underline">
            {template.name}
          </Text>
          <Text size="xs" c="dimmed">
            {t("console.templates.updated", { date: f.dateTime(template.updated_at ?? template.created_at) })}
          </Text>
          <Group gap={4}>
            {template.tenant_id === null && (
              <Badge size="xs" variant="dot" color="grape">
                {t("console.templates.platform_wide")}
              </Badge>
            )}
          </Group>
        </Stack>
        {!readOnly && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={t("console.templates.actions_for", { name: template.name })} loading={duplicate.isPending}>
                <IconDots size={18} aria-hidden />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconCopy size={14} aria-hidden />} onClick={() => duplicate.mutate()}>
                {t("console.templates.duplicate")}
              </Menu.Item>
              <Menu.Item leftSection={<IconPencil size={14} aria-hidden />} onClick={onRename}>
                {t("console.templates.rename")}
              </Menu.Item>
              <Menu.Item color="red" leftSection={<IconTrash size={14} aria-hidden />} onClick={onDelete}>
                {t("console.templates.delete")}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
    </Card>
  );
}

function Gallery() {
  const { t } = useTranslation();
  const { readOnly } = useSession();
  const { tenant } = useTenant();
  const created = useCreated();
  const gallery = useQuery({ queryKey: keys.gallery, queryFn: () => unwrap(api.GET("/sys/newsletter/templates/gallery")), staleTime: Infinity });
  const clone = useMutation({
    mutationFn: (key: string) => unwrap(api.POST("/sys/newsletter/templates/clone", { body: { gallery_key: key, tenant } })),
    onSuccess: created,
    onError: (error) => notifications.show({ color: "red", message: error.message }),
  });
  if (gallery.isPending) return <Loading />;
  if (gallery.isError) return <ErrorState error={gallery.error} onRetry={() => void gallery.refetch()} />;
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 4 }} spacing="md">
      {gallery.data.items.map((item) => (
        <Card key={item.key} withBorder padding="sm" radius="md" data-testid="gallery-card">
          <Card.Section>
            <GalleryThumbnail galleryKey={item.key} label={t("console.templates.thumbnail_of", { name: item.name })} />
          </Card.Section>
          <Stack gap={4} mt="sm">
            <Title order={3} fz="md">
              {item.name}
            </Title>
            <Text size="sm" c="dimmed" lineClamp={3}>
              {item.description}
            </Text>
            {!readOnly && (
              <Button
                mt="xs"
                size="xs"
                variant="light"
                aria-label={t("console.templates.use_named", { name: item.name })}
                loading={clone.isPending && clone.variables === item.key}
                onClick={() => clone.mutate(item.key)}
              >
                {t("console.templates.use")}
              </Button>
            )}
          </Stack>
        </Card>
      ))}
    </SimpleGrid>
  );
}

export default function TemplatesScreen() {
  const { t } = useTranslation();
  const { readOnly, isSys } = useSession();
  const tenantQuery = useTenantQuery();
  const { tenant } = useTenant();
  const created = useCreated();
  const [renaming, setRenaming] = useState<TemplateOut | null>(null);
  const [deleting, setDeleting] = useState<TemplateOut | null>(null);
  const templates = usePaged(keys.list(tenantQuery), (cursor) =>
    unwrap(api.GET("/sys/newsletter/templates", { params: { query: { ...tenantQuery, limit: 48, cursor } } })),
  );
  const blank = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/sys/newsletter/templates", { body: { name: t("console.templates.blank_name"), mjml: BLANK_MJML, tenant } })),
    onSuccess: created,
    onError: (error) => notifications.show({ color: "red", message: error.message }),
  });

  return (
    <>
      <PageHeader
        title={t("console.templates.title")}
        description={t("console.templates.description")}
        actions={
          !readOnly && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => blank.mutate()} loading={blank.isPending}>
              {t("console.templates.new")}
            </Button>
          )
        }
      />
      {isSys && (
        <Text size="sm" c="dimmed" mb="md">
          {tenant ? t("console.templates.for_tenant", { tenant }) : t("console.templates.for_platform")}
        </Text>
      )}
      <Title order={2} fz="lg" mb="sm">
        {t("console.templates.yours")}
      </Title>
      {templates.isPending && <Loading />}
      {templates.isError && <ErrorState error={templates.error} onRetry={() => void templates.refetch()} />}
      {templates.data && templates.rows.length === 0 && (
        <Empty
          icon={<IconTemplate aria-hidden />}
          title={t("console.templates.empty")}
          body={readOnly ? t("console.templates.empty_readonly") : t("console.templates.empty_body")}
        />
      )}
      {templates.rows.length > 0 && (
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3, xl: 4 }} spacing="md" mb="md">
          {templates.rows.map((row) => (
            <TemplateCard key={row.id} template={row} onRename={() => setRenaming(row)} onDelete={() => setDeleting(row)} />
          ))}
        </SimpleGrid>
      )}
      <LoadMore query={templates} />
      <Title order={2} fz="lg" mt="xl" mb={4}>
        {t("console.templates.gallery")}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {t("console.templates.gallery_body")}
      </Text>
      <Gallery />
      {renaming && <DetailsModal template={renaming} onClose={() => setRenaming(null)} />}
      {deleting && <DeleteModal template={deleting} onClose={() => setDeleting(null)} />}
    </>
  );
}
