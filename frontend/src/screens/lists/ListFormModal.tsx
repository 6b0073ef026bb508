// Create a list, or edit one: name, address (slug), tenant, opt-in, languages, time zone.
import { Modal, MultiSelect, Select, Stack, Switch, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import type { ListOut } from "../../api/types";
import { FormActions } from "../../components/FormActions";
import { LANGUAGES } from "../../i18n";
import { useTenant } from "../../tenant/TenantContext";

const PLATFORM = "__platform__";

export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

export function ListFormModal({
  opened,
  onClose,
  list,
}: {
  opened: boolean;
  onClose: () => void;
  list?: ListOut;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const { tenant } = useTenant();
  const editing = list !== undefined;
  const [name, setName] = useState(list?.name ?? "");
  const [slug, setSlug] = useState(list?.slug ?? "");
  const [slugTouched, setSlugTouched] = useState(false);
  const [owner, setOwner] = useState<string>(list ? (list.tenant ?? PLATFORM) : (tenant ?? PLATFORM));
  const [doubleOptIn, setDoubleOptIn] = useState(list?.double_opt_in ?? true);
  const [languages, setLanguages] = useState<string[]>(list?.languages?.length ? list.languages : ["en"]);
  const [timezone, setTimezone] = useState(list?.timezone ?? "");
  const [description, setDescription] = useState(list?.description ?? "");
  const tenants = useQuery({
    queryKey: ["tenants"],
    queryFn: () => unwrap(api.GET("/sys/newsletter/tenants")),
    enabled: opened && !editing,
  });

  const save = useMutation({
    mutationFn: async () => {
      const common = {
        name: name.trim(),
        double_opt_in: doubleOptIn,
        languages,
        timezone: timezone.trim() || null,
        description: description.trim() || null,
      };
      if (list) {
        return unwrap(
          api.PATCH("/sys/newsletter/lists/{list_id}", { params: { path: { list_id: list.id } }, body: common }),
        );
      }
      return unwrap(
        api.POST("/sys/newsletter/lists", {
          body: { ...common, slug: slug || slugify(name), tenant: owner === PLATFORM ? null : owner },
        }),
      );
    },
    onSuccess: (saved) => {
      void client.invalidateQueries({ queryKey: ["lists"] });
      void client.invalidateQueries({ queryKey: ["list", saved.id] });
      void client.invalidateQueries({ queryKey: ["overview"] });
      notifications.show({
        color: "teal",
        message: editing ? t("console.lists.saved", { name: saved.name }) : t("console.lists.created", { name: saved.name }),
      });
      onClose();
      if (!editing) navigate(`/lists/${saved.id}`);
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={editing ? t("console.lists.edit") : t("console.lists.new")}
      size="lg"
    >
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label={t("console.field.name")}
            required
            data-autofocus
            value={name}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setName(value);
              if (!slugTouched && !editing) setSlug(slugify(value));
            }}
          />
          {!editing && (
            <>
              <TextInput
                label={t("console.lists.slug")}
                description={t("console.lists.slug_help")}
                required
                value={slug}
                pattern="[a-z0-9][a-z0-9_\-]{0,63}"
                onChange={(e) => {
                  setSlugTouched(true);
                  setSlug(e.currentTarget.value);
                }}
              />
              <Select
                label={t("console.field.tenant")}
                data={[
                  { value: PLATFORM, label: t("console.tenant.platform") },
                  ...(tenants.data?.items ?? []).map((x) => ({ value: x.slug, label: x.name })),
                ]}
                value={owner}
                onChange={(v) => setOwner(v ?? PLATFORM)}
                allowDeselect={false}
              />
            </>
          )}
          <Textarea
            label={t("console.lists.description_label")}
            autosize
            minRows={2}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          <Switch
            label={t("console.lists.double_label")}
            description={t("console.lists.double_help")}
            checked={doubleOptIn}
            onChange={(e) => setDoubleOptIn(e.currentTarget.checked)}
          />
          <MultiSelect
            label={t("console.lists.languages")}
            data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
            value={languages}
            onChange={setLanguages}
          />
          <TextInput
            label={t("console.lists.timezone")}
            description={t("console.lists.timezone_help")}
            placeholder="Europe/Stockholm"
            value={timezone}
            onChange={(e) => setTimezone(e.currentTarget.value)}
          />
          <FormActions
            error={save.error}
            onCancel={onClose}
            loading={save.isPending}
            submitLabel={editing ? t("console.action.save") : t("console.lists.create")}
          />
        </Stack>
      </form>
    </Modal>
  );
}
