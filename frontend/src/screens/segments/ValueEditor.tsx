// The value part of a condition row, suited to the field's kind and the operator.
import { Group, MultiSelect, Select, TagsInput, Text, TextInput } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { STATUSES, MAX_DAYS, type RowValue, type ValueShape } from "./model";
import type { ListOption } from "./api";

export interface ValueEditorProps {
  shape: ValueShape;
  value: RowValue;
  onChange: (value: RowValue) => void;
  disabled: boolean;
  /** The accessible name of the control ("Value of condition 2"). */
  label: string;
  lists: ListOption[];
  listsLoading: boolean;
  invalid: boolean;
  describedBy?: string;
}

export function ValueEditor({ shape, value, onChange, disabled, label, lists, listsLoading, invalid, describedBy }: ValueEditorProps) {
  const { t } = useTranslation();
  const text = typeof value === "string" ? value : "";
  const many = Array.isArray(value) ? value : [];
  const common = {
    "aria-label": label,
    disabled,
    error: invalid || undefined,
    "aria-describedby": describedBy,
    size: "sm" as const,
  };
  const statusData = STATUSES.map((s) => ({ value: s, label: t(`console.status.${s}`) }));
  // A list that no longer exists (or of another tenant) stays visible so it can be removed.
  const listData = [...lists, ...many.concat(text ? [text] : []).filter((s) => !lists.some((l) => l.value === s)).map((s) => ({ value: s, label: s }))];

  switch (shape) {
    case "none":
      return (
        <Text size="sm" c="dimmed" py={6}>
          {t("console.segments.value_none")}
        </Text>
      );
    case "text":
      return <TextInput {...common} value={text} onChange={(e) => onChange(e.currentTarget.value)} placeholder={t("console.segments.value_text")} />;
    case "number":
      return <TextInput {...common} inputMode="decimal" value={text} onChange={(e) => onChange(e.currentTarget.value)} placeholder="0" />;
    case "date":
      return <TextInput {...common} type="date" value={text} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "days":
      return (
        <TextInput
          {...common}
          type="number"
          min={0}
          max={MAX_DAYS}
          inputMode="numeric"
          value={text}
          onChange={(e) => onChange(e.currentTarget.value)}
          rightSection={<Text size="xs" c="dimmed" pr="xs">{t("console.segments.days")}</Text>}
          rightSectionWidth={56}
        />
      );
    case "bool":
      return (
        <Select
          {...common}
          data={[
            { value: "true", label: t("console.segments.yes") },
            { value: "false", label: t("console.segments.no") },
          ]}
          value={text || "true"}
          onChange={(v) => onChange(v ?? "true")}
          allowDeselect={false}
        />
      );
    case "status":
      return <Select {...common} data={statusData} value={text || null} onChange={(v) => onChange(v ?? "")} placeholder={t("console.segments.pick_status")} allowDeselect={false} />;
    case "statuses":
      return <MultiSelect {...common} data={statusData} value={many} onChange={onChange} placeholder={many.length ? undefined : t("console.segments.pick_statuses")} />;
    case "list":
      return (
        <Select
          {...common}
          data={listData}
          value={text || null}
          onChange={(v) => onChange(v ?? "")}
          searchable
          placeholder={listsLoading ? t("console.loading") : t("console.segments.pick_list")}
          nothingFoundMessage={t("console.segments.no_lists")}
          allowDeselect={false}
        />
      );
    case "lists":
      return (
        <MultiSelect
          {...common}
          data={listData}
          value={many}
          onChange={onChange}
          searchable
          placeholder={many.length ? undefined : listsLoading ? t("console.loading") : t("console.segments.pick_lists")}
          nothingFoundMessage={t("console.segments.no_lists")}
        />
      );
    case "event": {
      const specific = text !== "any";
      return (
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <Select
            {...common}
            data={[
              { value: "any", label: t("console.segments.any_campaign") },
              { value: "one", label: t("console.segments.one_campaign") },
            ]}
            value={specific ? "one" : "any"}
            onChange={(v) => onChange(v === "one" ? "" : "any")}
            allowDeselect={false}
            style={{ flex: 1 }}
          />
          {specific && (
            <TextInput
              {...common}
              aria-label={t("console.segments.campaign_id", { label })}
              inputMode="numeric"
              value={text}
              onChange={(e) => onChange(e.currentTarget.value)}
              placeholder={t("console.segments.campaign_id_placeholder")}
              w={120}
            />
          )}
        </Group>
      );
    }
    default:
      return (
        <TagsInput
          {...common}
          value={many}
          onChange={onChange}
          placeholder={many.length ? undefined : t("console.segments.value_tags")}
          splitChars={[",", ";"]}
          clearable={false}
        />
      );
  }
}
