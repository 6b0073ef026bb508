// The fields of an organisation, shared by the "New organisation" dialog and the edit page:
// name, short name (new only, suggested from the name), postal address, time zone, language.
// Problems show under their field once it was left or a save was tried, and Herald's own
// answer (422 with a field) lands under the field it names.
import { Select, Stack, TextInput, Textarea } from "@mantine/core";
import { useMemo, useState, type CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/client";
import type { components } from "../../api/schema";
import type { TenantOut } from "../../api/types";
import { LANGUAGES } from "../../i18n";
import {
  checkAddress,
  checkName,
  checkSlug,
  normaliseAddress,
  suggestSlug,
  timeZones,
  type FieldError,
} from "./organisation";

type TenantIn = components["schemas"]["TenantIn"];
type TenantUpdate = components["schemas"]["TenantUpdate"];

export interface OrganisationForm {
  name: string;
  slug: string;
  postal_address: string;
  timezone: string;
  default_language: string;
}

type Field = keyof OrganisationForm;

export function useOrganisationForm(tenant?: TenantOut) {
  const isNew = tenant === undefined;
  const [values, setValues] = useState<OrganisationForm>({
    name: tenant?.name ?? "",
    slug: tenant?.slug ?? "",
    postal_address: tenant?.postal_address ?? "",
    timezone: tenant?.timezone ?? "UTC",
    default_language: tenant?.default_language ?? "en",
  });
  const [slugTouched, setSlugTouched] = useState(false);
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);

  // A new organisation may leave the address for later; once set it can be corrected, not
  // removed (it is printed in every marketing footer).
  const addressOptional = isNew || !tenant?.postal_address;
  const errors: Partial<Record<Field, FieldError>> = {};
  const nameError = checkName(values.name);
  if (nameError) errors.name = nameError;
  if (isNew) {
    const slugError = checkSlug(values.slug);
    if (slugError) errors.slug = slugError;
  }
  const addressError = checkAddress(values.postal_address, addressOptional);
  if (addressError) errors.postal_address = addressError;
  if (!values.timezone) errors.timezone = { key: "required" };

  const set = (field: Field, value: string) =>
    setValues((v) => {
      const next = { ...v, [field]: value };
      if (field === "name" && isNew && !slugTouched) next.slug = suggestSlug(value);
      return next;
    });

  const cleaned = () => ({
    name: values.name.trim(),
    postal_address: normaliseAddress(values.postal_address),
    timezone: values.timezone,
    default_language: values.default_language,
  });

  /** The body of `POST …/tenants`. */
  const createBody = (): TenantIn => {
    const c = cleaned();
    return { ...c, slug: values.slug, postal_address: c.postal_address || null };
  };

  /** The body of `PATCH …/tenants/{slug}`: only what changed. */
  const changes = (): TenantUpdate => {
    const c = cleaned();
    const out: TenantUpdate = {};
    if (!tenant) return out;
    if (c.name !== tenant.name) out.name = c.name;
    if (c.postal_address && c.postal_address !== (tenant.postal_address ?? "")) out.postal_address = c.postal_address;
    if (c.timezone !== tenant.timezone) out.timezone = c.timezone;
    if (c.default_language !== tenant.default_language) out.default_language = c.default_language;
    return out;
  };

  return {
    isNew,
    values,
    set,
    errors,
    valid: Object.keys(errors).length === 0,
    // Left fields show their problems, except "fill this in", which waits for a save: an
    // error appearing on blur would move the buttons under the pointer mid-click.
    shown: (field: Field) =>
      submitted || (touched[field] && errors[field]?.key !== "required") ? errors[field] : undefined,
    touch: (field: Field) => setTouched((t) => ({ ...t, [field]: true })),
    touchSlug: () => setSlugTouched(true),
    submit: () => setSubmitted(true),
    addressOptional,
    createBody,
    changes,
  };
}

export type OrganisationFormState = ReturnType<typeof useOrganisationForm>;

function useErrorText() {
  const { t } = useTranslation();
  return (e: FieldError | undefined) =>
    e ? t(`console.tenants.error.${e.key}`, "min" in e ? { min: e.min } : "max" in e ? { max: e.max } : {}) : undefined;
}

/** Herald's answer for one field (a 422/409 naming it). */
export function serverError(error: unknown, field: Field): string | undefined {
  return error instanceof ApiError && error.field === field ? error.message : undefined;
}

export function OrganisationFields({ form, error }: { form: OrganisationFormState; error: unknown }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const zones = useMemo(() => timeZones(form.values.timezone), [form.values.timezone]);
  const fieldError = (field: Field) => text(form.shown(field)) ?? serverError(error, field);
  return (
    // Mantine's error red (shade 6) is under 4.5:1 on white; shade 9 reads at AA contrast.
    <Stack style={{ "--mantine-color-error": "var(--mantine-color-red-9)" } as CSSProperties}>
      <TextInput
        label={t("console.field.name")}
        required
        data-autofocus
        value={form.values.name}
        maxLength={250}
        onChange={(e) => form.set("name", e.currentTarget.value)}
        onBlur={() => form.touch("name")}
        error={fieldError("name")}
      />
      {form.isNew && (
        <TextInput
          label={t("console.tenants.slug")}
          description={t("console.tenants.slug_help")}
          required
          value={form.values.slug}
          maxLength={64}
          onChange={(e) => {
            form.touchSlug();
            form.set("slug", e.currentTarget.value);
          }}
          onBlur={() => form.touch("slug")}
          error={fieldError("slug")}
        />
      )}
      <Textarea
        label={t("console.tenants.postal_address")}
        description={
          form.addressOptional
            ? `${t("console.tenants.postal_help")} ${t("console.tenants.postal_help_new")}`
            : t("console.tenants.postal_help")
        }
        required={!form.addressOptional}
        autosize
        minRows={3}
        maxRows={8}
        value={form.values.postal_address}
        onChange={(e) => form.set("postal_address", e.currentTarget.value)}
        onBlur={() => form.touch("postal_address")}
        error={fieldError("postal_address")}
      />
      <Select
        label={t("console.tenants.timezone")}
        description={t("console.tenants.timezone_help")}
        required
        searchable
        data={zones}
        value={form.values.timezone}
        onChange={(v) => form.set("timezone", v ?? "")}
        onBlur={() => form.touch("timezone")}
        nothingFoundMessage={t("console.tenants.timezone_none")}
        allowDeselect={false}
        limit={50}
        comboboxProps={{ withinPortal: true }}
        error={fieldError("timezone")}
      />
      <Select
        label={t("console.tenants.default_language")}
        description={t("console.tenants.default_language_help")}
        data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
        value={form.values.default_language}
        onChange={(v) => form.set("default_language", v ?? "en")}
        allowDeselect={false}
        error={serverError(error, "default_language")}
      />
    </Stack>
  );
}
